// Channel<T>: a bounded FIFO between fibers. send() parks the sending fiber while the
// channel is full, receive() parks the receiving fiber while it is empty; close() ends
// the stream. Introduced in chapter 02 (Python's asyncio.Queue is the same idea).
#pragma once

#include <asyncio/exceptions.hpp>
#include <asyncio/scheduler.hpp>
#include <asyncio/todo.hpp>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>

namespace asyncio {

template <class T, class Scheduler = asyncio::Scheduler>
class Channel {
public:
    using Handle = typename Scheduler::Handle;

    // At most `capacity` items wait in the channel; a sender beyond that waits itself.
    explicit Channel(std::size_t capacity) : capacity_(capacity) {
        if (capacity == 0) throw std::invalid_argument("Channel: the capacity must be at least 1");
    }
    Channel(Channel const&) = delete;
    Channel& operator=(Channel const&) = delete;

    // Appends `value`. A fiber waits while the channel is full (anywhere else, a full
    // channel is RuntimeError: only a fiber can wait). Sending on a closed channel, or on
    // one that is closed while the sender waits, is RuntimeError.
    void send(T value);

    // The oldest item. A fiber waits while the channel is empty and open. Once it is
    // closed and empty: nothing (std::nullopt), so `while (auto item = receive())` ends.
    std::optional<T> receive();

    // No more items will be sent. Items already in the channel can still be received.
    // Every waiting fiber wakes up: receivers to find the end, senders to find the error.
    void close();

    bool closed() const noexcept { return closed_; }
    std::size_t size() const noexcept { return items_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    void wait_in(std::deque<Handle>& waiters);
    static void wake_first(std::deque<Handle>& waiters);

    std::size_t capacity_;
    std::deque<T> items_;
    std::deque<Handle> senders_;    // fibers parked in send(), first come first served
    std::deque<Handle> receivers_;  // fibers parked in receive()
    bool closed_ = false;
};

// region: wait
// region: wait-in
// Parks the calling fiber in `waiters` until someone wakes it. A woken fiber must check
// again what it was waiting for: between its wake-up and its turn to run, another fiber
// may have taken the item or the free slot (so: `while`, never `if`, around wait_in).
template <class T, class Scheduler>
void Channel<T, Scheduler>::wait_in(std::deque<Handle>& waiters) {
    Handle const self = Scheduler::current();
    waiters.push_back(self);
    try {
        Scheduler::park();
    } catch (...) {
        // Not parked after all (called outside a fiber), or unwound while parked (its
        // scheduler is being destroyed): leave no handle behind for a later wake().
        waiters.erase(std::remove(waiters.begin(), waiters.end(), self), waiters.end());
        throw;
// endregion
    }
}

template <class T, class Scheduler>
void Channel<T, Scheduler>::wake_first(std::deque<Handle>& waiters) {
    if (waiters.empty()) return;
    Handle const next = std::move(waiters.front());
    waiters.pop_front();
    Scheduler::wake(next);
}
// endregion

// BEGIN EXERCISE channel: Wait while full and open; refuse a closed channel; append; wake one receiver.
// region: send
template <class T, class Scheduler>
void Channel<T, Scheduler>::send(T value) {
    while (items_.size() == capacity_ && !closed_) wait_in(senders_);
    if (closed_) throw RuntimeError("Channel::send(): the channel is closed");
    items_.push_back(std::move(value));
    wake_first(receivers_);
}
// endregion
// STUB
// template <class T, class Scheduler>
// void Channel<T, Scheduler>::send(T value) {
//     (void)value;
//     throw_todo("ch02", "channel");
// }
// END EXERCISE

// BEGIN EXERCISE channel: Wait while empty and open; take the oldest item, wake one sender; nothing once drained.
// region: receive
template <class T, class Scheduler>
std::optional<T> Channel<T, Scheduler>::receive() {
    while (items_.empty() && !closed_) wait_in(receivers_);
    if (items_.empty()) return std::nullopt;  // closed, and everything has been received
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    wake_first(senders_);  // a slot is free
    return item;
}
// endregion
// STUB
// template <class T, class Scheduler>
// std::optional<T> Channel<T, Scheduler>::receive() {
//     throw_todo("ch02", "channel");
// }
// END EXERCISE

// BEGIN EXERCISE channel: Mark the channel closed and wake every waiting sender and receiver.
// region: close
template <class T, class Scheduler>
void Channel<T, Scheduler>::close() {
    closed_ = true;
    while (!senders_.empty()) wake_first(senders_);
    while (!receivers_.empty()) wake_first(receivers_);
}
// endregion
// STUB
// template <class T, class Scheduler>
// void Channel<T, Scheduler>::close() {
//     throw_todo("ch02", "channel");
// }
// END EXERCISE

}  // namespace asyncio
