// Lock, Event, Semaphore and BoundedSemaphore: asyncio's synchronisation primitives
// (Python's asyncio.locks), built the way CPython builds them: every waiter is a
// Future<void> in a deque, and waking one is set_result on its future. Chapter 11.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/future.hpp>

#include <algorithm>
#include <deque>
#include <utility>

namespace asyncio {

namespace detail {

// region: waiters
// The waiters of a primitive, oldest first. A waiter leaves the deque itself, when its
// co_await ends (woken, cancelled or failed), so nobody else has to find it.
using Waiters = std::deque<Future<void>>;

inline void remove_waiter(Waiters& waiters, Future<void> const& waiter) {
    if (auto const it = std::find(waiters.begin(), waiters.end(), waiter); it != waiters.end()) waiters.erase(it);
}
// endregion

}  // namespace detail

// region: held
// What `co_await lock.hold()` gives: the lock (or semaphore) is released when this goes,
// however the scope is left, as `async with lock:` does in Python. release() gives it
// back early. Releasing the primitive by hand while a Held still holds it is a bug: the
// destructor's release then throws, and a destructor that throws terminates the program.
template <class Primitive>
class [[nodiscard]] Held {
public:
    explicit Held(Primitive& primitive) noexcept : primitive_(&primitive) {}
    Held(Held&& other) noexcept : primitive_(std::exchange(other.primitive_, nullptr)) {}
    Held& operator=(Held&&) = delete;
    Held(Held const&) = delete;
    Held& operator=(Held const&) = delete;
    ~Held() { release(); }

    void release() {
        if (Primitive* const primitive = std::exchange(primitive_, nullptr)) primitive->release();
    }
    bool holds() const noexcept { return primitive_ != nullptr; }

private:
    Primitive* primitive_;
};
// endregion

// region: lock
// A mutual-exclusion lock for coroutines (Python: asyncio.Lock). Not owned by a task: any
// coroutine may release it. Fair: waiters get it in the order they asked, and a newcomer
// does not jump ahead of a waiter that was woken but has not run yet. It must outlive
// its waiters (they refer to it).
class Lock {
public:
    Lock() = default;
    Lock(Lock const&) = delete;
    Lock& operator=(Lock const&) = delete;

    // co_await lock.acquire(): returns at once if the lock is free and nobody waits;
    // otherwise waits its turn. A task cancelled while it waits leaves the lock as if it
    // had never asked.
    Coro<void> acquire();
    // Unlocks it and wakes the first waiter. RuntimeError if it is not locked.
    void release();
    bool locked() const noexcept { return locked_; }

    // auto held = co_await lock.hold(): acquire(), and release() when `held` goes.
    Coro<Held<Lock>> hold();

private:
    void wake_up_first();

    detail::Waiters waiters_;
    bool locked_ = false;
};
// endregion

// region: event
// A flag coroutines can wait for (Python: asyncio.Event). set() wakes every waiter, and
// until clear() a wait() returns at once.
class Event {
public:
    Event() = default;
    Event(Event const&) = delete;
    Event& operator=(Event const&) = delete;

    // co_await event.wait(): at once if the flag is set; else until set() is called.
    Coro<void> wait();
    // Sets the flag and wakes every waiter (none of them waits again, even if clear()
    // comes before they run).
    void set();
    // Clears the flag: wait() waits again until the next set().
    void clear() { value_ = false; }
    bool is_set() const noexcept { return value_; }

private:
    detail::Waiters waiters_;
    bool value_ = false;
};
// endregion

// region: semaphore
// A counter of free slots (Python: asyncio.Semaphore): acquire() takes one, waiting while
// there are none; release() gives one back and wakes the first waiter. FIFO like Lock.
// std::invalid_argument (Python: ValueError) for a negative initial value.
class Semaphore {
public:
    explicit Semaphore(int value = 1);
    virtual ~Semaphore() = default;
    Semaphore(Semaphore const&) = delete;
    Semaphore& operator=(Semaphore const&) = delete;

    Coro<void> acquire();
    virtual void release();
    // True if acquire() would wait: no slot free, or waiters ahead that were not cancelled.
    bool locked() const;
    // The free slots, not counting those promised to woken waiters that have not run yet.
    int value() const noexcept { return value_; }

    // auto held = co_await semaphore.hold(): acquire(), and release() when `held` goes.
    Coro<Held<Semaphore>> hold();

protected:
    // Wakes the first waiter that is not done, promising it a slot (value_ - 1); false if
    // there was none.
    bool wake_up_next();

    int value_;
    detail::Waiters waiters_;
};

// A semaphore that cannot be released more often than it was acquired (Python:
// asyncio.BoundedSemaphore): std::invalid_argument when release() would raise the value
// above the initial one.
class BoundedSemaphore : public Semaphore {
public:
    explicit BoundedSemaphore(int value = 1) : Semaphore(value), bound_(value) {}
    void release() override;

private:
    int bound_;
};
// endregion

}  // namespace asyncio
