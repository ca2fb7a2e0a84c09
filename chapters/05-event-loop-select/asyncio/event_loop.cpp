// The event loop of chapter 05: a ready queue of callbacks and a selector that turns
// ready fds into more callbacks. Follows CPython's Lib/asyncio/base_events.py and
// selector_events.py; where we differ, a comment says why.
#include <asyncio/event_loop.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/todo.hpp>

#include <fmt/core.h>

#include <cxxabi.h>

#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <typeinfo>
#include <utility>

namespace asyncio {

namespace {

// The loop running in this thread, for get_running_loop() (Python keeps the same).
thread_local EventLoop* running_loop = nullptr;

// "asyncio::RuntimeError: boom" for the default exception handler.
std::string describe_exception(std::exception_ptr const& exception) {
    try {
        std::rethrow_exception(exception);
    } catch (std::exception const& error) {
        int status = 0;
        char* name = abi::__cxa_demangle(typeid(error).name(), nullptr, nullptr, &status);
        std::string text = (status == 0 && name != nullptr) ? name : typeid(error).name();
        std::free(name);
        return text + ": " + error.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

// The callback slot of an fd for one event: its reader or its writer.
Handle& slot_for(auto& callbacks, selectors::Events event) {
    return event == selectors::EVENT_READ ? callbacks.reader : callbacks.writer;
}

}  // namespace

// Marks the loop as running for as long as it lives, and undoes that however the run
// ends (normally, or by an exception from the selector). It also consumes the stop
// request, so that after any run_forever() or run_once() returns, none is pending.
class EventLoop::RunningScope {
public:
    explicit RunningScope(EventLoop& loop) : loop_(loop) {
        loop.check_closed();
        if (loop.running_) throw RuntimeError("This event loop is already running");
        if (running_loop != nullptr) throw RuntimeError("Cannot run the event loop while another loop is running");
        loop.running_ = true;
        running_loop = &loop;
    }
    ~RunningScope() {
        loop_.running_ = false;
        loop_.stopping_ = false;
        running_loop = nullptr;
    }
    RunningScope(RunningScope const&) = delete;
    RunningScope& operator=(RunningScope const&) = delete;

private:
    EventLoop& loop_;
};

EventLoop::EventLoop(std::unique_ptr<selectors::BaseSelector> selector) : selector_(std::move(selector)) {
    if (!selector_) throw std::invalid_argument("EventLoop needs a selector, not nullptr");
}

// A loop destroyed from inside one of its own callbacks would be a use after free
// whatever we did here, so only the ordinary case is handled: close if not closed.
EventLoop::~EventLoop() {
    if (!closed_ && !running_) close();
}

void EventLoop::check_closed() const {
    if (closed_) throw RuntimeError("Event loop is closed");
}

// ---- The ready queue ----------------------------------------------------------------

Handle EventLoop::call_soon(Callback callback, CallSite where) {
    if (!callback) throw std::invalid_argument("call_soon: the callback is empty");
    // TODO(call-soon): Refuse a closed loop; wrap the callback in a Handle, append it
    // to the ready queue, return it.
    (void)where;
    throw_todo("ch05", "call-soon");
}

void EventLoop::run_ready() {
    // TODO(call-soon): Run the callbacks that were ready when this began, in order;
    // skip cancelled ones; send exceptions to call_exception_handler.
    throw_todo("ch05", "call-soon");
}

// ---- Running ------------------------------------------------------------------------

void EventLoop::run_forever() {
    // TODO(run-forever): Enter the running state with a RunningScope, then run
    // iterations until one ends with a stop request.
    throw_todo("ch05", "run-forever");
}

void EventLoop::stop() {
    // TODO(run-forever): Ask the loop to stop at the end of its current iteration.
    throw_todo("ch05", "run-forever");
}

void EventLoop::run_once() {
    RunningScope running(*this);
    run_iteration();
}

// region: run-iteration
// One iteration of the loop, like CPython's BaseEventLoop._run_once.
void EventLoop::run_iteration() {
    // 1. How long may we wait for I/O? Not at all if callbacks are ready or stop() was
    //    called; otherwise as long as it takes for an fd to become ready.
    selectors::Timeout timeout;  // std::nullopt: no limit
    if (!ready_.empty() || stopping_) timeout = std::chrono::nanoseconds(0);
    // (Chapter 07: otherwise, only until the earliest timer is due.)

    // 2. Wait; each ready fd puts its reader's or writer's callback in the ready queue.
    process_events(selector_->select(timeout));

    // (Chapter 07: here, move the timers that are due to the ready queue.)

    // 3. Run the callbacks that are ready now.
    run_ready();
}
// endregion

void EventLoop::close() {
    if (running_) throw RuntimeError("Cannot close a running event loop");
    if (closed_) return;
    closed_ = true;
    // Pending callbacks never run; dropping them releases what they captured now.
    ready_.clear();
    selector_->close();  // drops the reader and writer Handles kept in its keys
}

// ---- File descriptors ---------------------------------------------------------------

Handle EventLoop::add_reader(int fd, Callback callback, CallSite where) {
    return add_fd_callback(fd, selectors::EVENT_READ, std::move(callback), where);
}

bool EventLoop::remove_reader(int fd) { return remove_fd_callback(fd, selectors::EVENT_READ); }

Handle EventLoop::add_writer(int fd, Callback callback, CallSite where) {
    return add_fd_callback(fd, selectors::EVENT_WRITE, std::move(callback), where);
}

bool EventLoop::remove_writer(int fd) { return remove_fd_callback(fd, selectors::EVENT_WRITE); }

Handle EventLoop::add_fd_callback(int fd, selectors::Events event, Callback callback, CallSite where) {
    if (!callback) throw std::invalid_argument("add_reader/add_writer: the callback is empty");
    // TODO(add-reader): Keep the callback in the fd's selector key (register_ the fd,
    // or modify its key); cancel a callback it replaces.
    (void)fd;
    (void)event;
    (void)where;
    throw_todo("ch05", "add-reader");
}

bool EventLoop::remove_fd_callback(int fd, selectors::Events event) {
    // TODO(add-reader): Take the callback out of the fd's key (unregister the fd when
    // nothing is left) and cancel it.
    (void)fd;
    (void)event;
    throw_todo("ch05", "add-reader");
}

void EventLoop::process_events(std::vector<selectors::ReadyKey> const& ready_keys) {
    // TODO(add-reader): For each ready key, put the reader (if readable) and the writer
    // (if writable) in the ready queue.
    if (!ready_keys.empty()) throw_todo("ch05", "add-reader");
}

// ---- Errors -------------------------------------------------------------------------

void EventLoop::set_exception_handler(ExceptionHandler handler) { exception_handler_ = std::move(handler); }

void EventLoop::call_exception_handler(ExceptionContext const& context) {
    if (!exception_handler_) {
        default_exception_handler(context);
        return;
    }
    try {
        exception_handler_(*this, context);
    } catch (...) {
        // A broken handler must not break the loop either: report both, as Python does.
        default_exception_handler({"Unhandled error in exception handler", std::current_exception(), context.handle});
        default_exception_handler(context);
    }
}

void EventLoop::default_exception_handler(ExceptionContext const& context) {
    std::string text = context.message.empty() ? "Unhandled exception in event loop" : context.message;
    if (context.handle) text += "\n  handle: " + context.handle.describe();
    if (context.exception) text += "\n  exception: " + describe_exception(context.exception);
    fmt::print(stderr, "{}\n", text);
}

EventLoop& get_running_loop() {
    if (running_loop == nullptr) throw RuntimeError("no running event loop");
    return *running_loop;
}

}  // namespace asyncio
