// EventLoop: runs callbacks when they are ready and when their fds are ready, the
// reactor at the heart of asyncio (Python's asyncio.BaseEventLoop with a selector).
// Introduced in chapter 05 (callbacks and fds); chapter 07 adds timers.
#pragma once

#include <asyncio/base_selector.hpp>
#include <asyncio/call_site.hpp>
#include <asyncio/default_selector.hpp>
#include <asyncio/handle.hpp>

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace asyncio {

class EventLoop;

// region: exception-context
// What went wrong, for the exception handler (Python passes a dict with these keys).
struct ExceptionContext {
    std::string message;           // e.g. "Exception in callback <Handle ping_pong.cpp:31>"
    std::exception_ptr exception;  // the exception, if there was one
    Handle handle;                 // the callback that raised it, if any
};

using ExceptionHandler = std::function<void(EventLoop&, ExceptionContext const&)>;
// endregion

// region: event-loop
class EventLoop {
public:
    explicit EventLoop(std::unique_ptr<selectors::BaseSelector> selector =
                           std::make_unique<selectors::DefaultSelector>());
    ~EventLoop();  // closes the loop if it is not closed yet
    EventLoop(EventLoop const&) = delete;
    EventLoop& operator=(EventLoop const&) = delete;

    // Schedules `callback` to run in a later iteration, after the callbacks already
    // scheduled (FIFO). The Handle can cancel it until it runs.
    Handle call_soon(Callback callback, CallSite where = CallSite::current());

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
    void run_ready();      // runs the callbacks that were ready when it started
    void process_events(std::vector<selectors::ReadyKey> const& ready_keys);
    Handle add_fd_callback(int fd, selectors::Events event, Callback callback, CallSite where);
    bool remove_fd_callback(int fd, selectors::Events event);
    void check_closed() const;

    std::unique_ptr<selectors::BaseSelector> selector_;
    std::deque<Handle> ready_;  // the ready queue: callbacks to run in the next iteration
    ExceptionHandler exception_handler_;
    bool stopping_ = false;
    bool running_ = false;
    bool closed_ = false;
};
// endregion

// The loop running in this thread (Python: asyncio.get_running_loop()); throws
// RuntimeError when none is. Callbacks use it to reach their loop.
EventLoop& get_running_loop();

}  // namespace asyncio
