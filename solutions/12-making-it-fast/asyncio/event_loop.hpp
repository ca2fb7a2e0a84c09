// EventLoop: runs callbacks when they are ready and when their fds are ready, the
// reactor at the heart of asyncio (Python's asyncio.BaseEventLoop with a selector).
// Introduced in chapter 05 (callbacks and fds); chapter 07 adds the clock and timers;
// chapter 08 the tasks: run_until_complete, and a loop that keeps its pending tasks;
// chapter 10 call_soon_threadsafe, the one way in from another thread; chapter 11 debug
// mode (slow callbacks) and a trace of every callback and task step (trace.hpp); chapter
// 12 makes it fast: call_soon keeps any callable as it is, in a pooled Handle
// (handle.hpp), and while callbacks are ready the selector is asked only every
// io_interval() iterations.
#pragma once

#include <asyncio/base_selector.hpp>
#include <asyncio/call_site.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/default_selector.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/timer_handle.hpp>
#include <asyncio/timer_queue.hpp>
#include <asyncio/waker.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>

namespace asyncio {

class EventLoop;
class Trace;
template <class T>
class Coro;
template <class T>
class Future;
namespace detail {
class TaskStateBase;
}

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
    // From the loop's own thread only: called from another thread while the loop runs,
    // it raises RuntimeError (chapter 10), as CPython's debug mode does.
    // region: call-soon
    // Chapter 12: any callable, kept as it is in the Handle's node (no std::function in
    // between); a std::function, or nullptr, takes the overload below.
    template <class F>
        requires(std::is_invocable_v<std::decay_t<F>&> && !std::is_same_v<std::decay_t<F>, Callback>)
    Handle call_soon(F&& callback, CallSite where = CallSite::current()) {
        return schedule_soon(std::forward<F>(callback), where);
    }
    // endregion
    Handle call_soon(Callback callback, CallSite where = CallSite::current()) {
        if (!callback) throw std::invalid_argument("call_soon: the callback is empty");
        return schedule_soon(std::move(callback), where);
    }

    // region: threadsafe-declaration
    // Chapter 10: the same from any thread, while the loop runs, waits in its selector,
    // or has not started yet (Python: loop.call_soon_threadsafe). It wakes the loop.
    // RuntimeError once the loop is closed: a submission is run or refused, never lost.
    template <class F>
        requires(std::is_invocable_v<std::decay_t<F>&> && !std::is_same_v<std::decay_t<F>, Callback>)
    Handle call_soon_threadsafe(F&& callback, CallSite where = CallSite::current()) {
        Handle handle(std::forward<F>(callback), where);
        submit_threadsafe(handle);
        return handle;
    }
    Handle call_soon_threadsafe(Callback callback, CallSite where = CallSite::current()) {
        if (!callback) throw std::invalid_argument("call_soon_threadsafe: the callback is empty");
        Handle handle(std::move(callback), where);
        submit_threadsafe(handle);
        return handle;
    }
    // True on the thread that runs the loop, while it runs.
    bool in_loop_thread() const { return running_ && thread_id_ == std::this_thread::get_id(); }
    std::uint64_t wakeup_writes() const noexcept { return waker_.writes(); }  // for the lesson
    Waker const& waker() const noexcept { return waker_; }                    // for tests
    // endregion

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

    // region: run-until-complete-declaration
    // Chapter 08: runs the loop until the future is done, or until the coroutine, run as
    // a task, has finished; returns its result or rethrows its exception (Python:
    // loop.run_until_complete). Defined in task.hpp.
    template <class T>
    T run_until_complete(Future<T> future);
    template <class T>
    T run_until_complete(Coro<T> coro);
    // endregion

    // region: debug-declaration
    // Chapter 11: debug mode (Python: loop.set_debug, loop.get_debug). On from the start
    // when the environment has ASYNCIO_DEBUG set (to anything but "" or "0"). The loop
    // then times every callback and task step on its clock, time(), and reports those
    // that took slow_callback_duration or more; tasks remember where they were created.
    // Its warnings go to the exception handler, as a context without an exception
    // (Python logs them; our loop has one place for reports, which tests capture).
    void set_debug(bool enabled);
    bool get_debug() const noexcept { return debug_; }
    void set_slow_callback_duration(Clock::duration duration) { slow_callback_duration_ = duration; }
    Clock::duration slow_callback_duration() const noexcept { return slow_callback_duration_; }

    // Chapter 11: records every callback and task step it runs into `trace` (nullptr:
    // stop recording), whether or not debug mode is on. The loop does not own it: the
    // trace must outlive the recording.
    void set_trace(Trace* trace);
    Trace* get_trace() const noexcept { return trace_; }

    // How many iterations have started (the trace numbers its events with it).
    std::uint64_t iteration() const noexcept { return iteration_; }
    // endregion

    // region: io-interval-declaration
    // Chapter 12: while callbacks are ready, ask the selector only every `n`th iteration
    // (tokio's event_interval); with nothing ready the loop polls, and waits, as before.
    // 1 is chapter 05's loop, which asks it in every iteration. A ready fd is therefore
    // served at most `n` iterations after it became ready; timers and what other threads
    // submit are still taken in every iteration. The loop relaxes to this only after
    // eager_polls polls in a row found nothing; a poll that finds an fd ready makes it
    // eager (a poll in every iteration) again.
    static constexpr unsigned default_io_interval = 61;
    static constexpr unsigned eager_polls = 16;
    void set_io_interval(unsigned n);  // n >= 1, else std::invalid_argument
    unsigned io_interval() const noexcept { return io_interval_; }
    // endregion

    void run_forever();  // runs iterations until stop() is called
    void run_once();     // runs one iteration (for tests and lessons)
    void stop();         // the loop finishes its current iteration, then returns
    bool is_running() const { return running_; }
    void close();        // drops pending callbacks and tasks, closes the selector; final
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
    // Chapter 08: the loop owns its pending tasks (create_task registers one, its last
    // step unregisters it); close() destroys the coroutine frames of those left.
    friend class detail::TaskStateBase;
    friend std::vector<std::shared_ptr<detail::TaskStateBase>> pending_tasks(EventLoop& loop);
    std::map<std::uint64_t, std::shared_ptr<detail::TaskStateBase>> tasks_;

    struct FdCallbacks {  // the data of a selector key: who to call when the fd is ready
        Handle reader;
        Handle writer;
    };
    class RunningScope;

    void run_iteration();  // one iteration: Python's _run_once
    selectors::Timeout select_timeout();  // chapter 07: how long the selector may wait
    // Python caps the wait at a day (MAXIMUM_SELECT_TIMEOUT), for systems whose select
    // misbehaves with longer timeouts; a far-away timer then costs one wake-up a day.
    static constexpr Clock::duration max_select_timeout = std::chrono::hours(24);
    void run_ready();      // runs the callbacks that were ready when it started
    void run_instrumented(Handle& handle);  // chapter 11: timed, traced
    void process_events(std::vector<selectors::ReadyKey> const& ready_keys);
    Handle add_fd_callback(int fd, selectors::Events event, Callback callback, CallSite where);
    bool remove_fd_callback(int fd, selectors::Events event);
    void check_closed() const {
        if (closed_) throw_closed();
    }
    // Chapter 10: RuntimeError from another thread. Inline (chapter 12): call_soon is hot.
    void check_thread(char const* what) const {
        if (running_.load(std::memory_order_relaxed) &&
            thread_id_.load(std::memory_order_relaxed) != std::this_thread::get_id())
            throw_wrong_thread(what);
    }
    // region: schedule-soon
    template <class F>
    Handle schedule_soon(F&& callback, CallSite where) {
        check_closed();
        check_thread("call_soon");
        // One node, two references: the queue's and the caller's (no atomic increment).
        Handle queued(Handle::make_node<detail::HandleNode>(std::forward<F>(callback), where, 2,
                                                            detail::NodeKind::plain));
        Handle returned(queued.node());
        ready_.push_back(std::move(queued));
        return returned;
    }
    // endregion
    [[noreturn]] static void throw_closed();
    [[noreturn]] static void throw_wrong_thread(char const* what);
    void submit_threadsafe(Handle const& handle);  // call_soon_threadsafe's queue and wake-up
    bool should_poll();              // chapter 12: ask the selector in this iteration?
    void polled(bool found_events);  // chapter 12: after each poll
    void start_waker();           // chapter 10: on the first run, on the loop's thread
    void take_threadsafe();       // after each select: moves the submissions to ready_

    std::unique_ptr<selectors::BaseSelector> selector_;
    std::deque<Handle> ready_;  // the ready queue: callbacks to run in the next iteration
    TimerQueue timers_;         // chapter 07: callbacks waiting for their deadline
    ExceptionHandler exception_handler_;
    bool stopping_ = false;
    std::atomic<bool> running_ = false;  // chapter 10: atomic, other threads read it
    bool closed_ = false;

    // region: debug-members
    // Chapter 11. The ready queue tests one flag per callback, instrumented_, so that a
    // loop with debug mode and tracing off pays one branch for them.
    bool debug_ = false;
    Trace* trace_ = nullptr;
    bool instrumented_ = false;  // debug_ || trace_
    Clock::duration slow_callback_duration_ = std::chrono::milliseconds(100);  // Python's 0.1 s
    std::uint64_t iteration_ = 0;
    unsigned io_interval_ = default_io_interval;  // chapter 12
    unsigned since_poll_ = 0;  // iterations since the selector was last asked
    unsigned idle_polls_ = 0;  // polls in a row that found nothing (up to eager_polls)
    // Set by a task's step while instrumented_: the callback being run was that step, so
    // a report names the task, not the callback that woke it (Python's _format_handle).
    std::shared_ptr<detail::TaskStateBase> stepping_;
    // endregion

    // region: threadsafe-members
    // Chapter 10: what other threads submitted, waiting for the loop's thread to take it.
    std::mutex threadsafe_mutex_;
    std::deque<Handle> threadsafe_ready_;  // guarded by threadsafe_mutex_
    bool threadsafe_closed_ = false;       // guarded by threadsafe_mutex_
    // True from the first notify until the loop has drained the waker: a burst of
    // submissions writes to the fd once (libuv's pending flag in uv_async_send).
    std::atomic<bool> wakeup_pending_{false};
    Waker waker_;
    bool waker_started_ = false;
    std::atomic<std::thread::id> thread_id_{};  // of the thread running the loop, while it runs
    // endregion
};
// endregion

// The loop running in this thread (Python: asyncio.get_running_loop()); throws
// RuntimeError when none is. Callbacks use it to reach their loop.
EventLoop& get_running_loop();
// The same, or nullptr (Python: asyncio._get_running_loop()).
EventLoop* get_running_loop_or_null() noexcept;

// "asyncio::RuntimeError: boom": an exception's type and what(), for reports.
std::string describe_exception(std::exception_ptr const& exception);

// The pending tasks of `loop`, oldest first (for all_tasks and asyncio::run).
std::vector<std::shared_ptr<detail::TaskStateBase>> pending_tasks(EventLoop& loop);

}  // namespace asyncio
