// Lock, Event and Semaphore, following CPython's Lib/asyncio/locks.py (3.12): waiters
// are futures in a deque, and what is subtle is cancellation. A task can be cancelled
// after its future was woken and before it runs: the wake-up it received must then go
// to the next waiter, or that waiter sleeps for ever while the lock is free.
#include <asyncio/locks.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/todo.hpp>

#include <exception>
#include <stdexcept>

namespace asyncio {

// ---- Lock -----------------------------------------------------------------------------

// region: lock-acquire
Coro<void> Lock::acquire() {
    // Free, and nobody waits (cancelled waiters that have not left yet do not count).
    if (!locked_ && std::all_of(waiters_.begin(), waiters_.end(), [](auto const& w) { return w.cancelled(); })) {
        locked_ = true;
        co_return;
    }
    Future<void> waiter;
    waiters_.push_back(waiter);
    std::exception_ptr error;
    try {
        co_await waiter;
    } catch (...) {  // CancelledError: no co_await in a handler, so deal with it below
        error = std::current_exception();
    }
    detail::remove_waiter(waiters_, waiter);
    if (error) {
        // Maybe release() woke us and the cancellation came before we ran: nobody holds
        // the lock, so the next waiter must get the wake-up we are not going to use.
        if (!locked_) wake_up_first();
        std::rethrow_exception(error);
    }
    locked_ = true;
}
// endregion

// region: lock-release
void Lock::release() {
    if (!locked_) throw RuntimeError("Lock is not acquired.");
    locked_ = false;
    wake_up_first();
}

void Lock::wake_up_first() {
    // Only the first: if it is done already, it was woken (or cancelled) and will pass the
    // wake-up on itself when it runs. Waking more than one would break mutual exclusion.
    if (waiters_.empty()) return;
    if (Future<void>& first = waiters_.front(); !first.done()) first.set_result();
}
// endregion

Coro<Held<Lock>> Lock::hold() {
    co_await acquire();
    co_return Held<Lock>(*this);
}

// ---- Event ----------------------------------------------------------------------------

// region: event-wait
Coro<void> Event::wait() {
    // TODO(event): Set already: return at once. Else a pending Future<void> joins
    // waiters_; await it; whatever ends the wait (set, cancel), it leaves waiters_
    // (detail::remove_waiter) and an exception goes on.
    throw_todo("ch11", "event");
}
// endregion

// region: event-set
void Event::set() {
    // TODO(event): Already set: nothing. Else set the flag and wake every waiter whose
    // future is not done (a cancelled one is).
    throw_todo("ch11", "event");
}
// endregion

// ---- Semaphore ------------------------------------------------------------------------

Semaphore::Semaphore(int value) : value_(value) {
    if (value < 0) throw std::invalid_argument("Semaphore initial value must be >= 0");
}

// region: semaphore-locked
bool Semaphore::locked() const {
    // TODO(semaphore): No free slot, or a waiter ahead that was not cancelled (FIFO: a
    // newcomer does not overtake it).
    throw_todo("ch11", "semaphore");
}
// endregion

// region: semaphore-acquire
Coro<void> Semaphore::acquire() {
    // TODO(semaphore): Not locked(): take a slot and return. Else wait on a
    // Future<void> in waiters_ as Event::wait does (wake_up_next took the slot for us).
    // Cancelled after being woken: give that slot back. In every case, then wake
    // waiters while slots are free. Rethrow.
    throw_todo("ch11", "semaphore");
}
// endregion

// region: semaphore-release
void Semaphore::release() {
    // TODO(semaphore): One more free slot; then wake the next waiter (wake_up_next).
    throw_todo("ch11", "semaphore");
}

bool Semaphore::wake_up_next() {
    // TODO(semaphore): The first waiter whose future is not done gets a slot: value_ -
    // 1 and set_result. True if there was one.
    throw_todo("ch11", "semaphore");
}
// endregion

Coro<Held<Semaphore>> Semaphore::hold() {
    co_await acquire();
    co_return Held<Semaphore>(*this);
}

void BoundedSemaphore::release() {
    if (value_ >= bound_) throw std::invalid_argument("BoundedSemaphore released too many times");
    Semaphore::release();
}

}  // namespace asyncio
