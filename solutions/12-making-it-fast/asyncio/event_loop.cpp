// The event loop of chapter 05: a ready queue of callbacks and a selector that turns
// ready fds into more callbacks; chapter 07 adds timers. Follows CPython's
// Lib/asyncio/base_events.py and selector_events.py; where we differ, a comment says why.
// Chapter 08: the loop keeps its pending tasks, and close() frees those left.
// Chapter 11: debug mode times each callback and task step; a trace records them.
// Chapter 12: call_soon is inline (event_loop.hpp), the ready queue runs each Handle
// without a keep-alive copy, and run_iteration asks the selector every io_interval_-th
// iteration while callbacks are ready. (Chapter 11's steps are answered in this copy.)
#include <asyncio/event_loop.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/task.hpp>
#include <asyncio/todo.hpp>
#include <asyncio/trace.hpp>

#include <fmt/core.h>

#include <cxxabi.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <typeinfo>
#include <utility>

namespace asyncio {

namespace {

// The loop running in this thread, for get_running_loop() (Python keeps the same).
thread_local EventLoop* running_loop = nullptr;

// Chapter 11: ASYNCIO_DEBUG=1 turns debug mode on for every loop (Python:
// PYTHONASYNCIODEBUG, where any non-empty value does; "0" is off here, as it reads).
bool debug_from_environment() {
    char const* const value = std::getenv("ASYNCIO_DEBUG");
    return value != nullptr && value[0] != '\0' && std::string_view(value) != "0";
}

// The callback slot of an fd for one event: its reader or its writer.
Handle& slot_for(auto& callbacks, selectors::Events event) {
    return event == selectors::EVENT_READ ? callbacks.reader : callbacks.writer;
}

}  // namespace

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
        loop.thread_id_ = std::this_thread::get_id();
        running_loop = &loop;
        if (!loop.waker_started_) loop.start_waker();
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
    set_debug(debug_from_environment());
}

// A loop destroyed from inside one of its own callbacks would be a use after free
// whatever we did here, so only the ordinary case is handled: close if not closed.
EventLoop::~EventLoop() {
    if (!closed_ && !running_) close();
}

void EventLoop::throw_closed() { throw RuntimeError("Event loop is closed"); }

// ---- The ready queue ----------------------------------------------------------------

void EventLoop::run_ready() {
    // Only as many as were ready when we began: what they schedule waits for the next
    // iteration, so a callback that reschedules itself cannot keep the loop from the fds.
    for (std::size_t ntodo = ready_.size(); ntodo > 0; --ntodo) {
        Handle handle = std::move(ready_.front());
        ready_.pop_front();
        if (handle.cancelled()) continue;
        // region: run-ready-branch
        if (instrumented_) {  // chapter 11: debug mode or a trace; one branch when both are off
            run_instrumented(handle);
            continue;
        }
        // endregion
        try {
            handle.run_kept();  // chapter 12: `handle` is ours alone, no keep-alive copy needed
        } catch (...) {
            // One failing callback must not take the loop and every other callback down.
            call_exception_handler({"Exception in callback " + handle.describe(), std::current_exception(), handle});
        }
    }
}

// ---- Debug mode and the trace (chapter 11) ---------------------------------------------

void EventLoop::set_debug(bool enabled) {
    debug_ = enabled;
    instrumented_ = debug_ || trace_ != nullptr;
}

void EventLoop::set_trace(Trace* trace) {
    trace_ = trace;
    instrumented_ = debug_ || trace_ != nullptr;
}

// region: run-instrumented
// One callback, timed on the loop's clock (time(), which a test can drive: a callback
// that moves a fake clock forward 150 ms "took" 150 ms, on any machine). If it was a
// task's step, the step said so in stepping_, and the reports name the task.
void EventLoop::run_instrumented(Handle& handle) {
    stepping_.reset();
    TimePoint const start = time();
    try {
        handle.run();
    } catch (...) {
        call_exception_handler({"Exception in callback " + handle.describe(), std::current_exception(), handle});
    }
    TimePoint const end = time();
    std::shared_ptr<detail::TaskStateBase> const task = std::exchange(stepping_, nullptr);

    if (debug_ && end - start >= slow_callback_duration_) {
        std::string const what = task ? task->future().describe() : handle.describe();
        double const seconds = std::chrono::duration<double>(end - start).count();
        call_exception_handler({fmt::format("Executing {} took {:.3f} seconds", what, seconds), {}, {}});
    }

    if (trace_ != nullptr) {
        TraceEvent event;
        if (task) {
            event.kind = TraceEvent::Kind::step;
            event.name = task->name();
            event.coroutine = task->coroutine().function;
            event.task_id = task->id();
        } else {
            event.kind = TraceEvent::Kind::callback;
            event.name = handle.describe();
        }
        event.iteration = iteration_;
        event.start = start;
        event.end = end;
        trace_->record(std::move(event));
    }
}
// endregion

// ---- Running ------------------------------------------------------------------------

void EventLoop::run_forever() {
    RunningScope running(*this);
    while (true) {
        run_iteration();
        // Checked after the iteration, so stop() before run_forever() runs exactly one.
        if (stopping_) break;
    }
}

void EventLoop::stop() {
    stopping_ = true;
}

void EventLoop::run_once() {
    RunningScope running(*this);
    run_iteration();
}

// ---- From other threads (chapter 10) ---------------------------------------------------

void EventLoop::throw_wrong_thread(char const* what) {
    throw RuntimeError(fmt::format("Non-thread-safe operation invoked on an event loop other than the current one "
                                   "({} from another thread: use call_soon_threadsafe)",
                                   what));
}

// region: call-soon-threadsafe
// (Chapter 12: call_soon_threadsafe itself is a template in event_loop.hpp; it makes the
// Handle and comes here.)
void EventLoop::submit_threadsafe(Handle const& handle) {
    {
        std::lock_guard const lock(threadsafe_mutex_);
        if (threadsafe_closed_) throw RuntimeError("Event loop is closed");
        threadsafe_ready_.push_back(handle);
    }
    if (!wakeup_pending_.exchange(true)) waker_.notify();
}

// In every iteration, on the loop's thread, right after the selector returns: what
// other threads submitted joins the ready queue and runs in this same iteration (as in
// CPython, whose call_soon_threadsafe appends to the ready queue itself).
void EventLoop::take_threadsafe() {
    if (!wakeup_pending_.load()) return;  // nothing was submitted since the last take
    waker_.drain();
    wakeup_pending_.store(false);
    std::deque<Handle> taken;
    {
        std::lock_guard const lock(threadsafe_mutex_);
        taken.swap(threadsafe_ready_);
    }
    for (Handle& handle : taken) ready_.push_back(std::move(handle));
}
// endregion

// On the first run (the loop's thread, in RunningScope): from now on the selector
// watches the waker, so that a write to it ends the wait. The reader itself has nothing
// to do: take_threadsafe, after every select, drains the fd and takes the submissions.
void EventLoop::start_waker() {
    waker_started_ = true;
    add_reader(waker_.fd(), [] {});
}

// ---- Timers (chapter 07) -------------------------------------------------------------

// region: call-at
TimerHandle EventLoop::call_at(TimePoint when, Callback callback, CallSite where) {
    if (!callback) throw std::invalid_argument("call_at/call_later: the callback is empty");
    check_closed();
    check_thread("call_at/call_later");
    return timers_.push(when, std::move(callback), where);
}
// endregion

// region: run-iteration
// One iteration of the loop, like CPython's BaseEventLoop._run_once.
void EventLoop::run_iteration() {
    ++iteration_;  // chapter 11: the trace numbers its events with it
    // 1. How long may we wait for I/O? Not at all if callbacks are ready or stop() was
    //    called; otherwise until the earliest timer is due, or for ever if there is none.
    // 2. Wait; each ready fd puts its reader's or writer's callback in the ready queue.
    //    Chapter 12: while callbacks are ready, only in every io_interval_-th iteration.
    if (should_poll()) {
        std::vector<selectors::ReadyKey> const ready_keys = selector_->select(select_timeout());
        polled(!ready_keys.empty());
        process_events(ready_keys);
    }
    take_threadsafe();  // chapter 10: what other threads submitted

    // Chapter 12: without timers there is nothing to pop, and no need to read the clock.
    if (!timers_.empty()) timers_.pop_due(time(), ready_);

    // 3. Run the callbacks that are ready now.
    run_ready();
}

selectors::Timeout EventLoop::select_timeout() {
    if (!ready_.empty() || stopping_) return std::chrono::nanoseconds(0);
    std::optional<TimePoint> const earliest = timers_.earliest();
    if (!earliest) return std::nullopt;
    return std::clamp<Clock::duration>(*earliest - time(), Clock::duration::zero(), max_select_timeout);
}
// endregion

// region: should-poll
// Chapter 12, after tokio's event_interval: a loop that always has callbacks ready would
// otherwise make one system call per iteration (epoll_wait with a zero timeout) that
// mostly finds nothing. The cost: a ready fd may wait up to io_interval_ iterations.
// Unlike tokio, the loop stays eager (polls in every iteration) for as long as its polls
// find something, and for eager_polls polls in a row that find nothing: a busy fd is
// served in the next iteration, as in chapter 05, and only a loop that has been busy
// with callbacks alone for a while relaxes to polling every io_interval_-th iteration.
bool EventLoop::should_poll() {
    // BEGIN EXERCISE io-interval: Poll when nothing is ready (the loop must wait) or a stop is pending; poll while eager (fewer than eager_polls polls in a row found nothing); otherwise poll only when this is the io_interval_-th iteration since the last poll (count it in since_poll_).
    if (ready_.empty() || stopping_) return true;
    if (idle_polls_ < eager_polls) return true;
    return ++since_poll_ >= io_interval_;
    // STUB
    // return true;
    // END EXERCISE
}

void EventLoop::polled(bool found_events) {
    // BEGIN EXERCISE io-interval: A poll happened: count again from 0 (since_poll_); a poll that found events makes the loop eager again (idle_polls_ = 0), one that found nothing adds one to idle_polls_ (without overflowing).
    since_poll_ = 0;
    if (found_events)
        idle_polls_ = 0;
    else if (idle_polls_ < eager_polls)
        ++idle_polls_;
    // STUB
    // (void)found_events;
    // END EXERCISE
}

void EventLoop::set_io_interval(unsigned n) {
    if (n == 0) throw std::invalid_argument("set_io_interval: the interval must be at least 1");
    io_interval_ = n;
    since_poll_ = 0;
    idle_polls_ = 0;
}
// endregion

void EventLoop::close() {
    if (running_) throw RuntimeError("Cannot close a running event loop");
    if (closed_) return;
    closed_ = true;
    // region: close-threadsafe
    // Chapter 10: from here call_soon_threadsafe refuses. What other threads submitted
    // and the loop never took is reported, not dropped in silence (a submission of
    // run_coroutine_threadsafe also fails its future when its callback is destroyed).
    std::deque<Handle> never_taken;
    {
        std::lock_guard const lock(threadsafe_mutex_);
        threadsafe_closed_ = true;
        never_taken.swap(threadsafe_ready_);
    }
    if (!never_taken.empty())
        call_exception_handler({fmt::format("{} callback(s) submitted with call_soon_threadsafe never ran: the "
                                            "loop was closed first (the first: {})",
                                            never_taken.size(), never_taken.front().describe()),
                                {},
                                never_taken.front()});
    // endregion
    // Pending callbacks and timers never run; dropping them releases what they captured now.
    ready_.clear();
    timers_.clear();
    stepping_.reset();
    selector_->close();  // drops the reader and writer Handles kept in its keys
    // region: close-tasks
    // Chapter 08: a task still pending now never finishes. Destroying its coroutine frame
    // runs the destructors of everything the coroutine holds, and breaks the cycle of a
    // task and the future it waits for (each holds the other). Python warns the same way
    // when such a task is garbage-collected; asyncio::run cancels them all first.
    auto const pending = std::exchange(tasks_, {});
    for (auto const& [id, task] : pending) task->abandon();
    // endregion
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
    check_closed();
    check_thread("add_reader/add_writer");
    Handle handle(std::move(callback), where);
    auto const& map = selector_->get_map();
    if (auto const found = map.find(fd); found == map.end()) {
        FdCallbacks callbacks;
        slot_for(callbacks, event) = handle;
        selector_->register_(fd, event, callbacks);
    } else {
        selectors::SelectorKey key = found->second;
        auto callbacks = std::any_cast<FdCallbacks>(key.data);
        Handle replaced = std::exchange(slot_for(callbacks, event), handle);
        selector_->modify(fd, key.events | event, callbacks);
        // The replaced callback may be in the ready queue already: it must not run.
        replaced.cancel();
    }
    return handle;
}

bool EventLoop::remove_fd_callback(int fd, selectors::Events event) {
    if (closed_) return false;
    auto const& map = selector_->get_map();
    auto const found = map.find(fd);
    if (found == map.end()) return false;
    selectors::SelectorKey key = found->second;
    auto callbacks = std::any_cast<FdCallbacks>(key.data);
    Handle removed = std::exchange(slot_for(callbacks, event), Handle());
    selectors::Events const rest = key.events & ~event;
    if (rest == 0)
        selector_->unregister(fd);
    else
        selector_->modify(fd, rest, callbacks);
    if (!removed) return false;
    // It may be in the ready queue already (the fd was ready in this iteration, and an
    // earlier callback removed it, perhaps because it closed the fd): it must not run.
    removed.cancel();
    return true;
}

void EventLoop::process_events(std::vector<selectors::ReadyKey> const& ready_keys) {
    for (auto const& [key, events] : ready_keys) {
        auto const& callbacks = std::any_cast<FdCallbacks const&>(key.data);
        if ((events & selectors::EVENT_READ) && callbacks.reader) {
            // Level-triggered: the same Handle is queued in every iteration the fd is ready.
            if (callbacks.reader.cancelled())
                remove_reader(key.fd);  // cancelling a reader's Handle removes it, as in Python
            else
                ready_.push_back(callbacks.reader);
        }
        if ((events & selectors::EVENT_WRITE) && callbacks.writer) {
            if (callbacks.writer.cancelled())
                remove_writer(key.fd);
            else
                ready_.push_back(callbacks.writer);
        }
    }
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

EventLoop* get_running_loop_or_null() noexcept { return running_loop; }

std::vector<std::shared_ptr<detail::TaskStateBase>> pending_tasks(EventLoop& loop) {
    std::vector<std::shared_ptr<detail::TaskStateBase>> tasks;
    for (auto const& [id, task] : loop.tasks_) tasks.push_back(task);
    return tasks;
}

EventLoop& get_running_loop() {
    if (running_loop == nullptr) throw RuntimeError("no running event loop");
    return *running_loop;
}

}  // namespace asyncio
