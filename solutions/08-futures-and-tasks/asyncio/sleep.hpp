// sleep(delay): `co_await asyncio::sleep(250ms)` suspends a coroutine running on the
// event loop and resumes it once the delay has passed (Python: asyncio.sleep). Introduced
// in chapter 07; chapter 08 makes it a coroutine awaiting a Future that a timer
// completes, so that cancelling a sleeping task cancels its timer.
#pragma once

#include <asyncio/clock.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>

#include <chrono>
#include <coroutine>

namespace asyncio {

// region: yield-awaiter
// sleep(0), and any delay <= 0: let the others run for one iteration (Python: a bare
// `yield` in asyncio.sleep(0)). In a task the task schedules its next step; elsewhere
// (chapter 07's spawn) the resume itself is scheduled. A cancelled task raises
// CancelledError here.
class YieldAwaiter {
public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> coroutine);
    void await_resume();

private:
    detail::TaskStateBase* task_ = nullptr;
};
// endregion

// The sleeping itself, in sleep.cpp: a coroutine of its own.
Coro<void> sleep_for(Clock::duration delay);

// Any duration: 250ms, 1.5s (rounded up to the clock's tick, see clamp_delay).
template <class Rep, class Period>
Coro<void> sleep(std::chrono::duration<Rep, Period> delay) {
    return sleep_for(clamp_delay(delay));
}

}  // namespace asyncio
