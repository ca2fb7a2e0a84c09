// Future<T>: the result of work that finishes later, bound to one event loop (Python's
// asyncio.Future). Callbacks run when it is done, always through the loop's call_soon;
// a coroutine `co_await`s it. Introduced in chapter 08; Task<T> (task.hpp) is one.
#pragma once

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/result.hpp>
#include <asyncio/todo.hpp>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace asyncio {

class FutureBase;

namespace detail {

class TaskStateBase;

// region: future-state
// What every Future<T> shares whatever its T: the loop it belongs to, pending/cancelled/
// finished, and the done-callbacks. The value itself is in FutureState<T>, below.
// region: future-state-base
class FutureStateBase : public std::enable_shared_from_this<FutureStateBase> {
public:
    using DoneCallback = std::function<void(FutureBase const&)>;
    enum class Status { pending, cancelled, finished };

    explicit FutureStateBase(EventLoop& loop) : loop_(&loop) {}
    virtual ~FutureStateBase();
    FutureStateBase(FutureStateBase const&) = delete;
    FutureStateBase& operator=(FutureStateBase const&) = delete;

    EventLoop& loop() const { return *loop_; }
    Status status() const noexcept { return status_; }
    bool done() const noexcept { return status_ != Status::pending; }

    // Python's Future.cancel(msg): a pending future becomes cancelled and its callbacks
    // are scheduled; a done one stays as it is (false). A Task overrides it: cancelling
    // a task is a request that the task's coroutine gets to answer.
    virtual bool cancel(std::string message);
    std::string const& cancel_message() const noexcept { return cancel_message_; }

    std::uint64_t add_done_callback(DoneCallback callback);
    std::size_t remove_done_callback(std::uint64_t id);

    // The exception of a finished future (nullptr if it has a value). Reading it counts
    // as "retrieved": the future will not complain when it is destroyed.
    virtual std::exception_ptr error() const = 0;
    void mark_retrieved() noexcept { log_unretrieved_ = false; }

    // For messages: "<Future pending>", "<Task finished name='Task-3' ...>".
    virtual std::string describe() const;
    virtual TaskStateBase* task() noexcept { return nullptr; }  // non-null for a Task

protected:
    // The one way from pending to done: set the status, then schedule every callback.
    void finish(Status status);
    void set_log_unretrieved() noexcept { log_unretrieved_ = true; }
    // "Future exception was never retrieved" (a Task says "Task ..."), if it applies.
    void report_unretrieved(std::string const& what) noexcept;
    char const* status_name() const noexcept;

private:
    EventLoop* loop_;
    Status status_ = Status::pending;
    std::string cancel_message_;
    bool log_unretrieved_ = false;
    std::uint64_t next_callback_id_ = 1;
    std::vector<std::pair<std::uint64_t, DoneCallback>> callbacks_;
};
// endregion

template <class T>
class FutureState : public FutureStateBase {
public:
    using FutureStateBase::FutureStateBase;
    ~FutureState() override {
        report_unretrieved("Future exception was never retrieved");
    }

    // region: future-state-outcome
    Result<T>& outcome() noexcept { return outcome_; }
    Result<T> const& outcome() const noexcept { return outcome_; }
    std::exception_ptr error() const override { return outcome_.error(); }
    // endregion

    // region: set-result
    template <class... Value>
    void set_result(Value&&... value) {
        // TODO(future-result): A second outcome (or one after cancel) is an
        // InvalidStateError; else keep the value in outcome_ and
        // finish(Status::finished).
        (void)sizeof...(value);
        throw_todo("ch08", "future-result");
    }

    void set_exception(std::exception_ptr error) {
        if (!error) throw std::invalid_argument("set_exception: the exception_ptr is empty");
        // TODO(future-result): The same for an exception; remember that nobody has
        // retrieved it yet (set_log_unretrieved).
        throw_todo("ch08", "future-result");
    }
    // endregion

private:
    Result<T> outcome_;
};
// endregion

}  // namespace detail

// region: future-base
// The part of a future that does not depend on T: what Task, gather and the loop need
// to handle futures of any type. A copy refers to the same future (shared state).
class FutureBase {
public:
    bool done() const noexcept { return state_->done(); }
    bool cancelled() const noexcept { return state_->status() == detail::FutureStateBase::Status::cancelled; }

    // Python's Future.cancel(msg). True if this call cancelled it (a task: asked it to
    // cancel); false if it was done already.
    bool cancel(std::string message = {}) { return state_->cancel(std::move(message)); }

    // The exception it finished with, or nullptr if it has a value; CancelledError if it
    // was cancelled, InvalidStateError if it is not done (Python: Future.exception()).
    std::exception_ptr exception() const;

    // `callback(future)` is scheduled with call_soon once the future is done (at once if
    // it is done already), never called from inside set_result or cancel. The number
    // returned identifies it for remove_done_callback.
    std::uint64_t add_done_callback(std::function<void(FutureBase const&)> callback) {
        return state_->add_done_callback(std::move(callback));
    }
    // Removes a callback that has not been scheduled yet; returns how many were removed
    // (Python removes every registration of a function; here a number names one).
    std::size_t remove_done_callback(std::uint64_t id) { return state_->remove_done_callback(id); }

    EventLoop& get_loop() const { return state_->loop(); }
    std::string describe() const { return state_->describe(); }

    friend bool operator==(FutureBase const& a, FutureBase const& b) noexcept { return a.state_ == b.state_; }

    // For Task and the awaiter: the shared state itself.
    std::shared_ptr<detail::FutureStateBase> const& state() const noexcept { return state_; }
    explicit FutureBase(std::shared_ptr<detail::FutureStateBase> state) : state_(std::move(state)) {}

protected:
    std::shared_ptr<detail::FutureStateBase> state_;
};
// endregion

namespace detail {

// region: future-awaiter
// `co_await future`: ready at once if it is done; otherwise the awaiting coroutine is
// suspended, and resumed by a done-callback. Inside a task, the task does the resuming
// (task.cpp), so that cancelling the task can reach the future it waits for.
class FutureAwaiterBase {
public:
    explicit FutureAwaiterBase(std::shared_ptr<FutureStateBase> future) : future_(std::move(future)) {}
    bool await_ready() const noexcept { return future_->done(); }
    void await_suspend(std::coroutine_handle<> coroutine);

protected:
    // Throws CancelledError if the task was cancelled while it did not wait on this future
    // (the cancellation is delivered here, at the co_await where the task is suspended).
    void deliver_cancellation();
    std::shared_ptr<FutureStateBase> future_;
    TaskStateBase* task_ = nullptr;  // the task that suspended here, if any
    std::shared_ptr<std::coroutine_handle<>> waiting_;  // outside a task: who to resume
};

template <class T>
class FutureAwaiter : public FutureAwaiterBase {
public:
    using FutureAwaiterBase::FutureAwaiterBase;

    // A copy of the value (every awaiter of a future gets the result), a reference for
    // Future<T&>, nothing for Future<void>; or the exception, rethrown here.
    T await_resume() {
        deliver_cancellation();
        auto& state = static_cast<FutureState<T>&>(*future_);
        if (state.status() == FutureStateBase::Status::cancelled) throw CancelledError(state.cancel_message());
        state.mark_retrieved();
        return state.outcome().get();
    }
};
// endregion

}  // namespace detail

// region: future
// Future<int>, Future<std::string&>, Future<void>. Every awaiter and every result() call
// gets the same result, so a value type must be copyable (wrap a move-only one in a
// std::shared_ptr).
template <class T = void>
class Future : public FutureBase {
    static_assert(std::is_void_v<T> || std::is_reference_v<T> || std::is_copy_constructible_v<T>,
                  "Future<T>: every awaiter gets a copy of the result, so T must be copyable");

public:
    // A pending future of `loop` (by default the running loop, as in Python).
    explicit Future(EventLoop& loop = get_running_loop()) : FutureBase(std::make_shared<detail::FutureState<T>>(loop)) {}

    // The value; the exception it finished with, rethrown; CancelledError if cancelled;
    // InvalidStateError if not done yet (Python: Future.result()).
    typename Result<T>::Reference result() const {
        // TODO(future-result): CancelledError (with the cancel message) if cancelled;
        // InvalidStateError if not done; else mark the outcome retrieved and return (or
        // rethrow) it with get().
        throw_todo("ch08", "future-result");
    }

    template <class... Value>
    void set_result(Value&&... value) {
        if (state_->task() != nullptr) throw RuntimeError("Task does not support set_result operation");
        typed().set_result(std::forward<Value>(value)...);
    }
    void set_exception(std::exception_ptr error) {
        if (state_->task() != nullptr) throw RuntimeError("Task does not support set_exception operation");
        typed().set_exception(std::move(error));
    }
    template <class Error>
        requires std::is_base_of_v<std::exception, std::decay_t<Error>>
    void set_exception(Error&& error) {
        set_exception(std::make_exception_ptr(std::forward<Error>(error)));
    }

    // `callback(future)`, with the future as a Future<T> (or any base of it).
    template <class Callback>
        requires std::is_invocable_v<Callback&, Future<T> const&>
    std::uint64_t add_done_callback(Callback callback) {
        return FutureBase::add_done_callback(
            [callback = std::move(callback)](FutureBase const& future) mutable { callback(Future<T>(future.state())); });
    }

    detail::FutureAwaiter<T> operator co_await() const { return detail::FutureAwaiter<T>(state_); }

    // A Future<T> view of a future state known to hold a T (done-callbacks, Task).
    explicit Future(std::shared_ptr<detail::FutureStateBase> state) : FutureBase(std::move(state)) {}

private:
    detail::FutureState<T>& typed() const { return static_cast<detail::FutureState<T>&>(*state_); }
};
// endregion

}  // namespace asyncio
