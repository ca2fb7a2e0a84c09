// wait_for's non-template half, following CPython 3.11's Lib/asyncio/tasks.py (wait_for,
// _cancel_and_wait); 3.12 rewrote it on asyncio.timeout(), with the same outcomes.
#include <asyncio/wait_for.hpp>

#include <asyncio/timer_handle.hpp>
#include <asyncio/todo.hpp>

#include <fmt/core.h>

#include <cstdint>
#include <exception>

namespace asyncio {

namespace {

// However the waiting ends (woken, cancelled, its frame destroyed), the timer goes and
// the done-callback too: a callback left behind would complete a waiter nobody awaits.
struct ForgetOnExit {
    FutureBase future;
    std::uint64_t callback;
    TimerHandle timer{};
    ~ForgetOnExit() {
        timer.cancel();
        future.remove_done_callback(callback);
    }
};

// A done-callback (or timer) that completes `waiter` unless it is done already.
std::function<void(FutureBase const&)> release(Future<void> waiter) {
    return [waiter](FutureBase const&) mutable {
        if (!waiter.done()) waiter.set_result();
    };
}

}  // namespace

// region: cancel-and-wait
Coro<void> cancel_and_wait(FutureBase future) {
    Future<void> waiter(future.get_loop());
    ForgetOnExit forget{future, future.add_done_callback(release(waiter))};
    future.cancel();
    co_await waiter;  // a waiter of our own: cancelling us must not cancel `future` twice
}
// endregion

namespace detail {

TimeoutError timeout_error(Clock::duration timeout) {
    return TimeoutError(fmt::format("wait_for: timed out after {} s", std::chrono::duration<double>(timeout).count()));
}

// region: wait-or-cancel
Coro<bool> wait_or_cancel(FutureBase inner, Clock::duration timeout) {
    if (inner.done()) co_return false;
    // BEGIN EXERCISE wait-for: timeout <= 0: cancel_and_wait, timed out. Else a Future<void> waiter, released by inner's done-callback (release(waiter)) and by a call_later timer whose lambda sets the waiter's result unless it is done (keep both in a ForgetOnExit). Await it; a CancelledError is kept (no co_await in a catch). inner done and not cancelled: false. Else cancel_and_wait(inner) if it is not done, then rethrow the cancellation, or return true.
    if (timeout <= Clock::duration::zero()) {
        co_await cancel_and_wait(inner);
        co_return true;
    }
    EventLoop& loop = inner.get_loop();
    Future<void> waiter(loop);
    ForgetOnExit forget{inner, inner.add_done_callback(release(waiter))};
    forget.timer = loop.call_later(timeout, [waiter]() mutable {
        if (!waiter.done()) waiter.set_result();
    });
    std::exception_ptr cancelled;
    try {
        co_await waiter;
    } catch (CancelledError const&) {
        cancelled = std::current_exception();  // the task waiting here was cancelled
    }
    // Finished first, or in the same iteration as the timeout: its outcome stands.
    if (!cancelled && inner.done()) co_return false;
    // Timed out, or cancelled ourselves: cancel inner and wait until it has finished.
    if (!inner.done()) co_await cancel_and_wait(inner);
    if (cancelled) std::rethrow_exception(cancelled);
    co_return true;
    // STUB
    // (void)timeout;
    // throw_todo("ch09", "wait-for");
    // END EXERCISE
}
// endregion

}  // namespace detail

}  // namespace asyncio
