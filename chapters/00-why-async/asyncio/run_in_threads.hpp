// run_in_threads: run blocking jobs concurrently, one std::thread each, and hand back
// their results in job order (what Python's asyncio.gather does for coroutines).
// Introduced in chapter 00 as its exercise: "the threads way", which the course then replaces.
#pragma once

#include <asyncio/todo.hpp>

#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {

// region: outcome
// What one job left behind: the value it returned, or the exception it threw.
// Thread i writes only outcomes[i], and the caller reads it only after joining
// thread i: join() is the synchronisation (everything the thread did "happens
// before" join returns), so no mutex or atomic is needed.
template <class T>
struct Outcome {
    std::optional<T> value;    // std::optional: T need not be default-constructible
    std::exception_ptr error;  // set instead of value when the job threw
};
// endregion

// Step 1: start one thread per job; the job i thread stores its value or its
// exception in outcomes[i].
//
// `outcomes` must hold one element per job, and must stay alive and in place (no
// resize, no move) until every returned thread has been joined: the threads write
// into it through references. The threads are std::jthread, which joins in its
// destructor, so however the caller leaves its scope (an exception included) no
// thread is left running with a dangling reference, and no std::thread destructor
// calls std::terminate.
template <class F, class T>
std::vector<std::jthread> start_threads(std::vector<F> jobs, std::vector<Outcome<T>>& outcomes) {
    if (outcomes.size() != jobs.size())
        throw std::invalid_argument("start_threads: need exactly one outcome per job");
    std::vector<std::jthread> threads;
    threads.reserve(jobs.size());
    // TODO(start-threads): Start one std::jthread per job; job i stores its value or
    // its exception in outcomes[i].
    throw_todo("ch00", "start-threads");
    return threads;
}

// Step 2: wait for every thread, then return the values in job order. If a job
// threw, rethrow the exception of the first job (by job order, not by time) that
// threw, but only after all threads have been joined: the other threads still
// write into `outcomes`, which the caller may free as soon as we leave.
template <class T>
std::vector<T> collect_results(std::vector<std::jthread>& threads, std::vector<Outcome<T>>& outcomes) {
    // TODO(collect-results): Join every thread first; then rethrow the first error in
    // job order, or move the values out in job order.
    (void)threads;
    (void)outcomes;
    throw_todo("ch00", "collect-results");
}

// region: run-in-threads
// Runs every job on a thread of its own, all at the same time, and returns their
// results in the order of `jobs`. If any job throws, the first one's exception (by
// job order) is rethrown once every thread has finished.
template <class F>
auto run_in_threads(std::vector<F> jobs) {
    using Result = std::remove_cvref_t<std::invoke_result_t<F&>>;
    static_assert(!std::is_void_v<Result>, "run_in_threads: every job must return a value");
    std::vector<Outcome<Result>> outcomes(jobs.size());
    // Declared after `outcomes`, so if anything throws the threads are destroyed,
    // which joins them, before the outcomes they write into.
    std::vector<std::jthread> threads = start_threads(std::move(jobs), outcomes);
    return collect_results(threads, outcomes);
}
// endregion

}  // namespace asyncio
