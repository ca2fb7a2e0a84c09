// Future's non-template half, following CPython's Lib/asyncio/futures.py.
#include <asyncio/future.hpp>

#include <asyncio/task.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace asyncio {

namespace detail {

FutureStateBase::~FutureStateBase() = default;

char const* FutureStateBase::status_name() const noexcept {
    switch (status_) {
        case Status::pending: return "pending";
        case Status::cancelled: return "cancelled";
        case Status::finished: return "finished";
    }
    return "?";
}

std::string FutureStateBase::describe() const { return fmt::format("<Future {}>", status_name()); }

// region: cancel
bool FutureStateBase::cancel(std::string message) {
    // TODO(future-callbacks): A done future stays as it is (false); a pending one keeps
    // the message and finishes as cancelled (true).
    (void)message;
    throw_todo("ch08", "future-callbacks");
}
// endregion

// region: callbacks
std::uint64_t FutureStateBase::add_done_callback(DoneCallback callback) {
    if (!callback) throw std::invalid_argument("add_done_callback: the callback is empty");
    std::uint64_t const id = next_callback_id_++;
    // TODO(future-callbacks): Done already: schedule callback(future) with call_soon
    // now. Pending: keep it, with its id, for finish().
    (void)callback;
    throw_todo("ch08", "future-callbacks");
    return id;
}

std::size_t FutureStateBase::remove_done_callback(std::uint64_t id) {
    return std::erase_if(callbacks_, [id](auto const& entry) { return entry.first == id; });
}

void FutureStateBase::finish(Status status) {
    status_ = status;
    // TODO(future-callbacks): Schedule every callback with call_soon, in the order they
    // were added, and forget them. Never call one from here: set_result's caller would
    // find itself re-entered.
}
// endregion

void FutureStateBase::report_unretrieved(std::string const& what) noexcept {
    if (!log_unretrieved_) return;
    log_unretrieved_ = false;
    try {
        std::exception_ptr const exception = error();
        // The loop may be gone by now (a Task kept after its loop): then straight to stderr,
        // in the default handler's words.
        if (EventLoop* const running = get_running_loop_or_null(); running == loop_) {
            running->call_exception_handler({what + ": " + describe(), exception, {}});
        } else {
            std::fputs(fmt::format("{}: {}\n  exception: {}\n", what, describe(), describe_exception(exception)).c_str(),
                       stderr);
        }
    } catch (...) {
        // A destructor must not throw; losing this report is better than terminating.
    }
}

// ---- The awaiter --------------------------------------------------------------------

// region: await-suspend
void FutureAwaiterBase::await_suspend(std::coroutine_handle<> coroutine) {
    EventLoop& loop = get_running_loop();
    if (&future_->loop() != &loop)
        throw RuntimeError("Task got " + future_->describe() + " attached to a different loop");
    task_ = TaskStateBase::current();
    if (task_ == nullptr) {
        // Not in a task (chapter 07's spawn, a plain callback): the done-callback
        // resumes the coroutine itself, unless its frame (and this awaiter in it) was
        // destroyed meanwhile: the callback holds only a weak reference to the awaiter's.
        waiting_ = std::make_shared<std::coroutine_handle<>>(coroutine);
        future_->add_done_callback([waiting = std::weak_ptr(waiting_)](FutureBase const&) {
            if (auto const alive = waiting.lock()) alive->resume();
        });
        return;
    }
    // TODO(future-await): A task awaiting its own future would wait for ever:
    // RuntimeError. Else the task waits on the future, and resumes this coroutine when
    // it is done.
    throw_todo("ch08", "future-await");
}
// endregion

void FutureAwaiterBase::deliver_cancellation() {
    std::string message;
    if (task_ != nullptr && task_->take_cancellation(message)) throw CancelledError(std::move(message));
}

}  // namespace detail

std::exception_ptr FutureBase::exception() const {
    if (cancelled()) throw CancelledError(state_->cancel_message());
    if (!done()) throw InvalidStateError("Exception is not set.");
    state_->mark_retrieved();
    return state_->error();
}

}  // namespace asyncio
