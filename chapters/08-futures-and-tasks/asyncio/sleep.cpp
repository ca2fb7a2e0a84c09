// sleep: a Future, a timer that completes it, and a guard that cancels the timer however
// the coroutine leaves (Python's asyncio.sleep: call_later, then `finally: h.cancel()`).
#include <asyncio/sleep.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>
#include <asyncio/timer_handle.hpp>
#include <asyncio/todo.hpp>

#include <string>

namespace asyncio {

void YieldAwaiter::await_suspend(std::coroutine_handle<> coroutine) {
    EventLoop& loop = get_running_loop();
    task_ = detail::TaskStateBase::current();
    if (task_ != nullptr)
        task_->yield_now(coroutine);
    else
        loop.call_soon([coroutine] { coroutine.resume(); });
}

void YieldAwaiter::await_resume() {
    std::string message;
    if (task_ != nullptr && task_->take_cancellation(message)) throw CancelledError(std::move(message));
}

namespace {

// Cancels the timer when the sleep ends in any way: woken (harmless, it ran), cancelled
// (the CancelledError passes through here), or its frame destroyed while it sleeps.
struct CancelOnExit {
    TimerHandle timer;
    ~CancelOnExit() { timer.cancel(); }
};

}  // namespace

// region: sleep
Coro<void> sleep_for(Clock::duration delay) {
    if (delay <= Clock::duration::zero()) {
        co_await YieldAwaiter();
        co_return;
    }
    EventLoop& loop = get_running_loop();
    // TODO(sleep-future): A Future<void> of this loop, and a timer after `delay` that
    // sets its result unless it is done already (cancelled). Keep the timer in a
    // CancelOnExit, then await the future.
    (void)loop;
    throw_todo("ch08", "sleep-future");
}
// endregion

}  // namespace asyncio
