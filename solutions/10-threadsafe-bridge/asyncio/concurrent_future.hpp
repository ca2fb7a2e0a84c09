// ConcurrentFuture<T>: a result that another thread waits for, blocking (Python's
// concurrent.futures.Future): what run_coroutine_threadsafe returns to the thread that
// submitted the coroutine. Unlike Future<T>, every member may be called from any thread,
// and done-callbacks run in the thread that completes it. Introduced in chapter 10.
#pragma once

#include <asyncio/exceptions.hpp>
#include <asyncio/result.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asyncio {

class EventLoop;

namespace detail {

// region: concurrent-state
// Whatever T is: the status, the waiting, the callbacks, and who to tell on cancel().
class ConcurrentStateBase {
public:
    enum class Status { pending, cancelled, finished };
    using Callback = std::function<void()>;

    explicit ConcurrentStateBase(EventLoop const* loop) : loop_(loop) {}
    virtual ~ConcurrentStateBase() = default;

    bool done() const;
    bool cancelled() const;
    // Python's Future.cancel(): a pending future becomes cancelled at once, and the
    // canceller (run_coroutine_threadsafe's: cancel the task, on the loop's thread) runs.
    bool cancel();
    // Blocks until done or `timeout` has passed: false if it timed out. RuntimeError if
    // called on the thread of the loop that must complete it, while that loop runs:
    // that would wait for ever (the loop cannot run while its thread waits).
    bool wait(std::optional<std::chrono::nanoseconds> timeout) const;
    void add_done_callback(Callback callback);  // runs at once if done already
    void set_canceller(Callback canceller);     // what cancel() must do beyond the state

protected:
    // Under the lock: set the outcome with `store`, then wake the waiters and run the
    // callbacks (outside the lock). False if it was done already.
    bool complete(Status status, std::function<void()> const& store);
    mutable std::mutex mutex_;

private:
    EventLoop const* loop_;  // the loop that completes it (for the deadlock check)
    mutable std::condition_variable done_changed_;
    Status status_ = Status::pending;
    std::vector<Callback> callbacks_;
    Callback canceller_;
};
// endregion

template <class T>
class ConcurrentState final : public ConcurrentStateBase {
public:
    using ConcurrentStateBase::ConcurrentStateBase;

    template <class... Value>
    bool set_result(Value&&... value) {
        return complete(Status::finished, [&] { outcome_.set_value(std::forward<Value>(value)...); });
    }
    bool set_exception(std::exception_ptr error) {
        return complete(Status::finished, [&] { outcome_.set_exception(std::move(error)); });
    }
    // Read under the lock, once done.
    typename Result<T>::Reference outcome() const {
        std::lock_guard const lock(mutex_);
        return outcome_.get();
    }
    std::exception_ptr error() const {
        std::lock_guard const lock(mutex_);
        return outcome_.error();
    }

private:
    Result<T> outcome_;  // guarded by mutex_; never changes once done
};

}  // namespace detail

// region: concurrent-future
template <class T = void>
class ConcurrentFuture {
public:
    explicit ConcurrentFuture(EventLoop const* loop = nullptr)
        : state_(std::make_shared<detail::ConcurrentState<T>>(loop)) {}

    bool done() const { return state_->done(); }
    bool cancelled() const { return state_->cancelled(); }
    bool cancel() { return state_->cancel(); }

    // Blocks until done: the value, the exception rethrown, or CancelledError; after
    // `timeout`, TimeoutError (Python: Future.result(timeout)).
    typename Result<T>::Reference result(std::optional<std::chrono::nanoseconds> timeout = std::nullopt) const {
        if (!state_->wait(timeout)) throw TimeoutError("ConcurrentFuture::result: timed out");
        if (state_->cancelled()) throw CancelledError();
        return state_->outcome();
    }
    // The exception (nullptr if it finished with a value); the same waiting rules.
    std::exception_ptr exception(std::optional<std::chrono::nanoseconds> timeout = std::nullopt) const {
        if (!state_->wait(timeout)) throw TimeoutError("ConcurrentFuture::exception: timed out");
        if (state_->cancelled()) throw CancelledError();
        return state_->error();
    }

    // `callback(future)`, in the thread that completes it (at once if it is done).
    void add_done_callback(std::function<void(ConcurrentFuture const&)> callback) {
        state_->add_done_callback([callback = std::move(callback), self = *this] { callback(self); });
    }

    // The producer's side (run_coroutine_threadsafe, run_in_executor): false if done.
    template <class... Value>
    bool set_result(Value&&... value) {
        return state_->set_result(std::forward<Value>(value)...);
    }
    bool set_exception(std::exception_ptr error) { return state_->set_exception(std::move(error)); }
    void set_canceller(std::function<void()> canceller) { state_->set_canceller(std::move(canceller)); }

private:
    std::shared_ptr<detail::ConcurrentState<T>> state_;
};
// endregion

}  // namespace asyncio
