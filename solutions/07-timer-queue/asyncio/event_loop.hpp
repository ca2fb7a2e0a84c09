// EventLoop: runs callbacks when they are ready and when their fds are ready, the
// reactor at the heart of asyncio (Python's asyncio.BaseEventLoop with a selector).
// Introduced in chapter 05 (callbacks and fds); chapter 07 adds the clock and timers.
#pragma once

#include <asyncio/base_selector.hpp>
#include <asyncio/call_site.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/default_selector.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/timer_handle.hpp>
#include <asyncio/timer_queue.hpp>

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace asyncio {

class EventLoop;

// What went wrong, for the exception handler (Python passes a dict with these keys).
struct ExceptionContext {
    std::string message;           // e.g. "Exception in callback <Handle ping_pong.cpp:31>"
    std::exception_ptr exception;  // the exception, if there was one
    Handle handle;                 // the callback that raised it, if any
};

using ExceptionHandler = std::function<void(EventLoop&, ExceptionContext const&)>;

// region: clamp-delay
// A delay of any std::chrono::duration, as the loop's clock counts it: rounded *up* to
// the clock's tick (a timer must never fire early), and clamped to a century either way
// so that adding it to the clock's time cannot overflow (hours::max() would).
template <class Rep, class Period>
Clock::duration clamp_delay(std::chrono::duration<Rep, Period> delay) {
    constexpr Clock::duration century = std::chrono::hours(24 * 365 * 100);
    double const seconds = std::chrono::duration<double>(delay).count();
    if (seconds != seconds) throw std::invalid_argument("call_later: the delay is not a number");
    if (seconds >= std::chrono::duration<double>(century).count()) return century;
    if (seconds <= -std::chrono::duration<double>(century).count()) return -century;
    return std::chrono::ceil<Clock::duration>(delay);
}
// endregion

// region: event-loop
class EventLoop {
public:
    explicit EventLoop(std::unique_ptr<selectors::BaseSelector> selector =
                           std::make_unique<selectors::DefaultSelector>());
    virtual ~EventLoop();  // closes the loop if it is not closed yet
    EventLoop(EventLoop const&) = delete;
    EventLoop& operator=(EventLoop const&) = delete;

    // Schedules `callback` to run in a later iteration, after the callbacks already
    // scheduled (FIFO). The Handle can cancel it until it runs.
    Handle call_soon(Callback callback, CallSite where = CallSite::current());

    // region: timers
    // The loop's clock (Python: loop.time()). Virtual so that tests can drive the loop
    // on a clock of their own; it is never scaled by ASYNCIO_TIME_SCALE.
    virtual TimePoint time() const { return Clock::now(); }

    // Schedules `callback` to run once time() has reached `when` (Python: loop.call_at).
    // A deadline in the past runs in the next iteration, after what is ready already.
    TimerHandle call_at(TimePoint when, Callback callback, CallSite where = CallSite::current());

    // The same, `delay` from now: any duration, 250ms or 1.5s (Python: loop.call_later).
    template <class Rep, class Period>
    TimerHandle call_later(std::chrono::duration<Rep, Period> delay, Callback callback,
                           CallSite where = CallSite::current()) {
        return call_at(time() + clamp_delay(delay), std::move(callback), where);
    }
    // endregion

    void run_forever();  // runs iterations until stop() is called
    void run_once();     // runs one iteration (for tests and lessons)
    void stop();         // the loop finishes its current iteration, then returns
    bool is_running() const { return running_; }
    void close();        // drops pending callbacks and closes the selector; final
    bool is_closed() const { return closed_; }

    // Runs `callback` in every iteration in which `fd` is readable (writable), until it is
    // removed. One reader and one writer per fd; adding another replaces the old one.
    Handle add_reader(int fd, Callback callback, CallSite where = CallSite::current());
    bool remove_reader(int fd);  // true if a reader was removed
    Handle add_writer(int fd, Callback callback, CallSite where = CallSite::current());
    bool remove_writer(int fd);  // true if a writer was removed

    // An exception thrown by a callback does not stop the loop: it goes to the handler.
    void set_exception_handler(ExceptionHandler handler);  // nullptr: the default again
    ExceptionHandler const& get_exception_handler() const { return exception_handler_; }
    void call_exception_handler(ExceptionContext const& context);
    void default_exception_handler(ExceptionContext const& context);  // prints to stderr

private:
    struct FdCallbacks {  // the data of a selector key: who to call when the fd is ready
        Handle reader;
        Handle writer;
    };
    class RunningScope;

    void run_iteration();  // one iteration: Python's _run_once
    // region: select-timeout
    selectors::Timeout select_timeout();  // chapter 07: how long the selector may wait
    // Python caps the wait at a day (MAXIMUM_SELECT_TIMEOUT), for systems whose select
    // misbehaves with longer timeouts; a far-away timer then costs one wake-up a day.
    static constexpr Clock::duration max_select_timeout = std::chrono::hours(24);
    // endregion
    void run_ready();      // runs the callbacks that were ready when it started
    void process_events(std::vector<selectors::ReadyKey> const& ready_keys);
    Handle add_fd_callback(int fd, selectors::Events event, Callback callback, CallSite where);
    bool remove_fd_callback(int fd, selectors::Events event);
    void check_closed() const;

    // region: loop-state
    std::unique_ptr<selectors::BaseSelector> selector_;
    std::deque<Handle> ready_;  // the ready queue: callbacks to run in the next iteration
    TimerQueue timers_;         // chapter 07: callbacks waiting for their deadline
    ExceptionHandler exception_handler_;
    bool stopping_ = false;
    bool running_ = false;
    bool closed_ = false;
    // endregion
};
// endregion

// The loop running in this thread (Python: asyncio.get_running_loop()); throws
// RuntimeError when none is. Callbacks use it to reach their loop.
EventLoop& get_running_loop();

}  // namespace asyncio
