// run_coroutine_threadsafe(coro, loop): from any thread, run a coroutine on a loop that
// runs in another thread, and get a ConcurrentFuture to wait on (Python:
// asyncio.run_coroutine_threadsafe). The task on the loop and the future in the
// submitting thread are chained both ways: the task's outcome completes the future,
// cancelling the future cancels the task. Introduced in chapter 10.
#pragma once

#include <asyncio/concurrent_future.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace asyncio {

namespace detail {

// region: submission
// What travels to the loop's thread: the coroutine and the future to complete. If the
// loop closes before the callback ever runs, the callback (and this) is destroyed
// unrun, and the future says so instead of leaving its waiter waiting for ever.
template <class T>
struct Submission {
    std::optional<Coro<T>> coro;
    ConcurrentFuture<T> future;
    ~Submission() {
        if (coro)
            future.set_exception(std::make_exception_ptr(
                RuntimeError("run_coroutine_threadsafe: the event loop was closed before the coroutine started")));
    }
};

// The task's done-callback holds this: if the task never finishes (the loop closed and
// abandoned it), the callback is destroyed unrun, and the future fails instead of
// leaving its waiter waiting for ever.
template <class T>
struct CompleteOnExit {
    ConcurrentFuture<T> future;
    ~CompleteOnExit() {
        if (!future.done())
            future.set_exception(std::make_exception_ptr(
                RuntimeError("run_coroutine_threadsafe: the event loop was closed before the coroutine finished")));
    }
};

// The task's outcome, copied into the concurrent future (its value, its exception, or
// its cancellation).
template <class T>
void copy_task_outcome(Future<T> const& task, ConcurrentFuture<T>& future) {
    if (task.cancelled()) {
        future.cancel();
    } else if (std::exception_ptr const error = task.exception()) {
        future.set_exception(error);
    } else if constexpr (std::is_void_v<T>) {
        future.set_result();
    } else {
        future.set_result(task.result());
    }
}
// endregion

}  // namespace detail

// region: run-coroutine-threadsafe
template <class T>
ConcurrentFuture<T> run_coroutine_threadsafe(Coro<T> coro, EventLoop& loop) {
    ConcurrentFuture<T> future(&loop);
    auto submission = std::make_shared<detail::Submission<T>>();
    submission->coro.emplace(std::move(coro));
    submission->future = future;
    // TODO(run-coroutine-threadsafe): With call_soon_threadsafe, on the loop's thread:
    // unless the future was cancelled meanwhile, create the task from the submission's
    // coroutine (take it out: reset coro); cancelling the future cancels the task
    // (set_canceller: call_soon_threadsafe of a cancel through a weak_ptr to
    // task.state()); the task's done-callback, holding a CompleteOnExit with the
    // future, copies its outcome into it.
    (void)loop;
    throw_todo("ch10", "run-coroutine-threadsafe");
    return future;
}
// endregion

}  // namespace asyncio
