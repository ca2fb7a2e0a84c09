// ConcurrentFuture's non-template half: a mutex, a condition variable, and callbacks run
// outside the lock, after CPython's Lib/concurrent/futures/_base.py.
#include <asyncio/concurrent_future.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/todo.hpp>

namespace asyncio::detail {

bool ConcurrentStateBase::done() const {
    std::lock_guard const lock(mutex_);
    return status_ != Status::pending;
}

bool ConcurrentStateBase::cancelled() const {
    std::lock_guard const lock(mutex_);
    return status_ == Status::cancelled;
}

// region: concurrent-complete
bool ConcurrentStateBase::complete(Status status, std::function<void()> const& store) {
    std::vector<Callback> callbacks;
    {
        std::unique_lock lock(mutex_);
        // TODO(concurrent-future): Done already: false. Else store the outcome and the
        // status, take the callbacks out, and wake every waiter (notify_all). After the
        // lock is released, run the callbacks in order; then true.
        (void)status;
        (void)store;
        throw_todo("ch10", "concurrent-future");
    }
    // Outside the lock: a callback may read this future, or complete another one.
    for (Callback& callback : callbacks) callback();
    return true;
}

bool ConcurrentStateBase::wait(std::optional<std::chrono::nanoseconds> timeout) const {
    if (loop_ != nullptr && loop_->in_loop_thread() && !done())
        throw RuntimeError("ConcurrentFuture: waiting on the thread of the loop that must complete it would never end");
    std::unique_lock lock(mutex_);
    // TODO(concurrent-future): Wait on done_changed_ until the status is not pending:
    // for ever without a timeout, else at most `timeout` (wait_for with a predicate,
    // which also survives spurious wake-ups). Return whether it is done.
    (void)timeout;
    throw_todo("ch10", "concurrent-future");
}
// endregion

bool ConcurrentStateBase::cancel() {
    Callback canceller;
    {
        std::lock_guard const lock(mutex_);
        if (status_ != Status::pending) return false;
        canceller = canceller_;
    }
    if (!complete(Status::cancelled, [] {})) return false;  // completed meanwhile
    if (canceller) canceller();
    return true;
}

void ConcurrentStateBase::add_done_callback(Callback callback) {
    {
        std::lock_guard const lock(mutex_);
        if (status_ == Status::pending) {
            callbacks_.push_back(std::move(callback));
            return;
        }
    }
    callback();
}

void ConcurrentStateBase::set_canceller(Callback canceller) {
    std::lock_guard const lock(mutex_);
    canceller_ = std::move(canceller);
}

}  // namespace asyncio::detail
