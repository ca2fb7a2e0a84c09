// wait_for(aw, timeout): await `aw`, but for no longer than `timeout`; past it, `aw` is
// cancelled, waited for until it has really finished, and TimeoutError is raised
// (Python: asyncio.wait_for). cancel_and_wait is the waiting half. Chapter 09.
#pragma once

#include <asyncio/clock.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/gather.hpp>

#include <chrono>
#include <utility>

namespace asyncio {

// Cancels `future` and waits until it is done: for a task, until its coroutine has
// answered the cancellation, its clean-up included (Python: tasks._cancel_and_wait).
Coro<void> cancel_and_wait(FutureBase future);

namespace detail {

// Waits until `inner` is done or `timeout` has passed. When the timeout comes first, or
// the task waiting here is cancelled, `inner` is cancelled and waited for. Returns true
// if it timed out; rethrows the waiter's own CancelledError after `inner` has finished.
Coro<bool> wait_or_cancel(FutureBase inner, Clock::duration timeout);

TimeoutError timeout_error(Clock::duration timeout);  // "wait_for: timed out after 0.25 s"

}  // namespace detail

// region: wait-for
// co_await wait_for(fetch(url), 5s): the value of fetch(url), or TimeoutError after 5 s.
// A value that arrives together with the timeout is returned, not lost; an inner
// awaitable that catches the cancellation and returns a value anyway returns that value.
template <FutureLike A, class Rep, class Period>
Coro<awaited_t<A>> wait_for(A awaitable, std::chrono::duration<Rep, Period> timeout) {
    Future<awaited_t<A>> inner = ensure_future(std::move(awaitable));
    Clock::duration const limit = clamp_delay(timeout);
    bool const timed_out = co_await detail::wait_or_cancel(inner, limit);
    if (!inner.done()) throw RuntimeError("wait_for: wait_or_cancel returned before the inner awaitable had finished");
    if (timed_out && inner.cancelled()) throw detail::timeout_error(limit);
    // Done: its value, its exception, or CancelledError if someone else cancelled it.
    co_return inner.result();
}
// endregion

}  // namespace asyncio
