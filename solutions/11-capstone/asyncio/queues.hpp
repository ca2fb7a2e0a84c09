// Queue<T>: a FIFO queue between coroutines, optionally bounded (Python: asyncio.Queue),
// after CPython's Lib/asyncio/queues.py: get() waits while it is empty, put() while it is
// full, each waiter a Future<void> in a deque; task_done() and join() count the items
// that were taken but not yet processed. Chapter 11.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/future.hpp>
#include <asyncio/locks.hpp>
#include <asyncio/todo.hpp>

#include <cstddef>
#include <deque>
#include <exception>
#include <stdexcept>
#include <utility>

namespace asyncio {

// get_nowait() on an empty queue (Python: asyncio.QueueEmpty).
struct QueueEmpty : std::runtime_error {
    QueueEmpty() : std::runtime_error("QueueEmpty") {}
};

// put_nowait() on a full queue (Python: asyncio.QueueFull).
struct QueueFull : std::runtime_error {
    QueueFull() : std::runtime_error("QueueFull") {}
};

// region: queue
template <class T>
class Queue {
public:
    // maxsize <= 0: unbounded, as in Python.
    explicit Queue(int maxsize = 0) : maxsize_(maxsize) {}
    Queue(Queue const&) = delete;
    Queue& operator=(Queue const&) = delete;

    int maxsize() const noexcept { return maxsize_; }
    std::size_t qsize() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.empty(); }
    bool full() const noexcept { return maxsize_ > 0 && items_.size() >= static_cast<std::size_t>(maxsize_); }

    // co_await queue.put(item): waits while the queue is full, then puts it at the end.
    Coro<void> put(T item);
    // The same without waiting: QueueFull if it is full.
    void put_nowait(T item);
    // co_await queue.get(): waits while the queue is empty, then takes the oldest item.
    Coro<T> get();
    // The same without waiting: QueueEmpty if it is empty.
    T get_nowait();

    // A consumer says it has finished with an item it got; std::invalid_argument (Python:
    // ValueError) if more often than items were put.
    void task_done();
    // co_await queue.join(): until every item put has been taken and task_done'd.
    Coro<void> join();

private:
    // Wakes the first waiter of `waiters` that is not done (cancelled), taking it out.
    static void wake_up_next(detail::Waiters& waiters);

    int maxsize_;
    std::deque<T> items_;
    detail::Waiters getters_;   // waiting for an item
    detail::Waiters putters_;   // waiting for room
    detail::Waiters joiners_;   // waiting for unfinished_ to reach 0
    std::size_t unfinished_ = 0;  // items put and not yet task_done'd
};
// endregion

template <class T>
void Queue<T>::wake_up_next(detail::Waiters& waiters) {
    while (!waiters.empty()) {
        Future<void> waiter = std::move(waiters.front());
        waiters.pop_front();
        if (!waiter.done()) {
            waiter.set_result();
            return;
        }
    }
}

// region: queue-put
template <class T>
Coro<void> Queue<T>::put(T item) {
    // BEGIN EXERCISE queue: While full(): a Future<void> in putters_, awaited (get_nowait takes it out and wakes it). If the wait ends in an exception: cancel the future, take it out of putters_, and if there is room and it was not cancelled itself (woken, then the task cancelled), wake the next putter; rethrow. Then put_nowait.
    while (full()) {
        Future<void> putter;
        putters_.push_back(putter);
        std::exception_ptr error;
        try {
            co_await putter;
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            putter.cancel();  // in case it is still pending (the wait failed for another reason)
            detail::remove_waiter(putters_, putter);
            // Woken by get_nowait, but this task was cancelled before it ran: the room
            // that wake-up announced is for the next putter.
            if (!full() && !putter.cancelled()) wake_up_next(putters_);
            std::rethrow_exception(error);
        }
        // Woken: there was room, but another coroutine may have filled it since; look again.
    }
    put_nowait(std::move(item));
    // STUB
    // (void)item;
    // throw_todo("ch11", "queue");
    // END EXERCISE
}

template <class T>
void Queue<T>::put_nowait(T item) {
    // BEGIN EXERCISE queue: QueueFull if full(). Else append the item, count it as unfinished, wake the next getter.
    if (full()) throw QueueFull();
    items_.push_back(std::move(item));
    ++unfinished_;
    wake_up_next(getters_);
    // STUB
    // (void)item;
    // throw_todo("ch11", "queue");
    // END EXERCISE
}
// endregion

// region: queue-get
template <class T>
Coro<T> Queue<T>::get() {
    // BEGIN EXERCISE queue: put's mirror: while empty(), wait on a future in getters_ (and pass a wake-up on if cancelled after it came); then get_nowait.
    while (empty()) {
        Future<void> getter;
        getters_.push_back(getter);
        std::exception_ptr error;
        try {
            co_await getter;
        } catch (...) {
            error = std::current_exception();
        }
        if (error) {
            getter.cancel();
            detail::remove_waiter(getters_, getter);
            if (!empty() && !getter.cancelled()) wake_up_next(getters_);
            std::rethrow_exception(error);
        }
    }
    co_return get_nowait();
    // STUB
    // throw_todo("ch11", "queue");
    // END EXERCISE
}

template <class T>
T Queue<T>::get_nowait() {
    // BEGIN EXERCISE queue: QueueEmpty if empty(). Else take the oldest item out, wake the next putter, return the item.
    if (empty()) throw QueueEmpty();
    T item = std::move(items_.front());
    items_.pop_front();
    wake_up_next(putters_);
    return item;
    // STUB
    // throw_todo("ch11", "queue");
    // END EXERCISE
}
// endregion

// region: queue-join
template <class T>
void Queue<T>::task_done() {
    // BEGIN EXERCISE queue: std::invalid_argument if nothing is unfinished. Else count one down; at 0 wake every joiner.
    if (unfinished_ == 0) throw std::invalid_argument("task_done() called too many times");
    if (--unfinished_ > 0) return;
    for (Future<void>& joiner : joiners_)
        if (!joiner.done()) joiner.set_result();
    // STUB
    // throw_todo("ch11", "queue");
    // END EXERCISE
}

template <class T>
Coro<void> Queue<T>::join() {
    // BEGIN EXERCISE queue: Nothing unfinished: return at once. Else wait on a future in joiners_ (it leaves joiners_ however the wait ends).
    if (unfinished_ == 0) co_return;
    Future<void> joiner;
    joiners_.push_back(joiner);
    std::exception_ptr error;
    try {
        co_await joiner;
    } catch (...) {
        error = std::current_exception();
    }
    detail::remove_waiter(joiners_, joiner);
    if (error) std::rethrow_exception(error);
    // STUB
    // throw_todo("ch11", "queue");
    // END EXERCISE
}
// endregion

}  // namespace asyncio
