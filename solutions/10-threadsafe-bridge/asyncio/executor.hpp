// ThreadPoolExecutor: a fixed set of worker threads that run blocking functions (Python's
// concurrent.futures.ThreadPoolExecutor), and run_in_executor / to_thread, which hand a
// blocking call to one and give the loop a Future<T> of its result (Python:
// loop.run_in_executor, asyncio.to_thread). Introduced in chapter 10.
#pragma once

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/result.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {

// region: executor
class ThreadPoolExecutor {
public:
    explicit ThreadPoolExecutor(std::size_t workers);
    ~ThreadPoolExecutor();  // shutdown(true)
    ThreadPoolExecutor(ThreadPoolExecutor const&) = delete;
    ThreadPoolExecutor& operator=(ThreadPoolExecutor const&) = delete;

    // Queues `job` for the next free worker. RuntimeError after shutdown.
    void submit(std::function<void()> job);
    // No more jobs are accepted; the queued ones still run. With `wait`, it returns when
    // they have and the workers are joined (Python: shutdown(wait=True)); without, at
    // once, and the destructor joins them.
    void shutdown(bool wait = true);
    std::size_t workers() const noexcept { return threads_.size(); }

private:
    void work();  // each worker: take a job, run it, until shut down and empty

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> jobs_;  // guarded by mutex_
    bool shutting_down_ = false;              // guarded by mutex_
    std::vector<std::thread> threads_;
};
// endregion

// The executor to_thread uses: min(32, cores + 4) workers, as Python's default.
ThreadPoolExecutor& default_executor();

// region: run-in-executor
// Runs fn(args...) on a worker of `executor`; the Future, of `loop`, gets its value or
// its exception, on the loop's thread (through call_soon_threadsafe). If the awaiting
// task is cancelled, the call still runs to its end (a thread cannot be interrupted),
// and its result is dropped.
template <class F, class... Args, class R = std::invoke_result_t<F&, Args&...>>
Future<R> run_in_executor(EventLoop& loop, ThreadPoolExecutor& executor, F fn, Args... args) {
    Future<R> future(loop);
    executor.submit([future, &loop, fn = std::move(fn), ... args = std::move(args)]() mutable {
        Result<R> outcome;
        try {
            if constexpr (std::is_void_v<R>) {
                fn(args...);
                outcome.set_value();
            } else {
                outcome.set_value(fn(args...));
            }
        } catch (...) {
            outcome.set_exception(std::current_exception());
        }
        try {
            // The Future moves on to the loop's thread: the worker keeps no reference to it.
            loop.call_soon_threadsafe([future = std::move(future), outcome = std::move(outcome)]() mutable {
                if (future.done()) return;  // cancelled meanwhile
                if (outcome.has_exception())
                    future.set_exception(outcome.error());
                else if constexpr (std::is_void_v<R>)
                    future.set_result();
                else
                    future.set_result(outcome.take());
            });
        } catch (RuntimeError const&) {
            // The loop closed while the call ran: nobody is left to tell.
        }
    });
    return future;
}

// co_await to_thread(fn, args...): the same on the running loop and the default executor.
template <class F, class... Args>
auto to_thread(F fn, Args... args) {
    return run_in_executor(get_running_loop(), default_executor(), std::move(fn), std::move(args)...);
}
// endregion

}  // namespace asyncio
