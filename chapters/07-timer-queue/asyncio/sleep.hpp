// sleep(delay): `co_await asyncio::sleep(250ms)` suspends a coroutine running on the
// event loop and resumes it once the delay has passed (Python: asyncio.sleep). Introduced
// in chapter 07; chapter 08 makes it cancellable, through a Future.
#pragma once

#include <asyncio/clock.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/todo.hpp>

#include <chrono>
#include <coroutine>

namespace asyncio {

// region: sleep-awaiter
class SleepAwaiter {
public:
    explicit SleepAwaiter(Clock::duration delay) noexcept : delay_(delay) {}
    SleepAwaiter(SleepAwaiter const&) = delete;
    SleepAwaiter& operator=(SleepAwaiter const&) = delete;

    // The awaiter lives in the sleeping coroutine's frame. If that frame is destroyed
    // while it sleeps (its owner gave up on it), the wake-up must not resume a frame
    // that is gone: cancelling it here makes that impossible. After a normal wake-up
    // the handle has run already, and cancelling it does nothing.
    ~SleepAwaiter() { wakeup_.cancel(); }

    // Never ready, even for a delay of zero: sleep(0) is how a coroutine lets the
    // others run (Python's bare `yield` in asyncio.sleep(0)).
    bool await_ready() const noexcept { return false; }

    // region: await-suspend
    void await_suspend(std::coroutine_handle<> coroutine) {
        EventLoop& loop = get_running_loop();
        // TODO(sleep): Schedule the coroutine's resume(): with call_soon for a delay <=
        // 0 (one iteration, behind what is ready), else with call_later; keep the
        // handle in wakeup_.
        (void)loop;
        (void)coroutine;
        throw_todo("ch07", "sleep");
    }
    // endregion

    void await_resume() const noexcept {}

private:
    Clock::duration delay_;
    Handle wakeup_;  // the scheduled resume(), so that the destructor can cancel it
};

// Returned from a function rather than built inside `co_await SleepAwaiter{...}`: GCC 12
// destroys such a brace-initialised awaiter wrongly (CONTRIBUTING.md, toolchain pitfalls).
template <class Rep, class Period>
SleepAwaiter sleep(std::chrono::duration<Rep, Period> delay) {
    return SleepAwaiter(clamp_delay(delay));
}
// endregion

}  // namespace asyncio
