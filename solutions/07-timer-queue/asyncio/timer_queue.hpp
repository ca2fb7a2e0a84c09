// TimerQueue: the loop's pending timers, a binary min-heap ordered by deadline, ties
// broken by the order of scheduling (Python keeps a heapq list, loop._scheduled).
// Introduced in chapter 07.
#pragma once

#include <asyncio/call_site.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/timer_handle.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace asyncio {

// region: timer-queue
class TimerQueue {
public:
    TimerQueue() = default;
    ~TimerQueue() { clear(); }
    TimerQueue(TimerQueue const&) = delete;
    TimerQueue& operator=(TimerQueue const&) = delete;

    // Schedules `callback` for `when`; the TimerHandle can cancel it.
    TimerHandle push(TimePoint when, Callback callback, CallSite where = CallSite::current());

    // The deadline of the earliest timer that is still live, or nothing if none is.
    // Cancelled timers found on top of the heap are dropped on the way.
    std::optional<TimePoint> earliest();

    // Moves every live timer whose deadline is <= now to the back of `ready`, earliest
    // first (equal deadlines in the order they were pushed); drops cancelled ones.
    void pop_due(TimePoint now, std::deque<Handle>& ready);

    // Drops every timer (close()); their captures are released now.
    void clear();

    std::size_t size() const { return heap_.size(); }   // live and cancelled timers
    bool empty() const { return heap_.empty(); }
    std::size_t cancelled_count() const { return cancelled_; }  // cancelled, still in the heap

    // Python's rule (base_events.py): rebuild the heap without its cancelled timers when
    // it holds more than 100 and more than half of them are cancelled.
    static constexpr std::size_t min_size_to_compact = 100;
    static constexpr double min_cancelled_fraction = 0.5;

private:
    struct Entry {
        TimePoint when;
        std::uint64_t sequence;  // the order of scheduling, which breaks ties
        TimerHandle timer;
    };

    static bool later(Entry const& a, Entry const& b);  // the heap's order
    Entry pop_earliest();                                 // removes the top of the heap
    void drop_cancelled_on_top();
    void compact_if_mostly_cancelled();
    void detach(Entry& entry);  // the timer leaves the queue: its cancel() no longer counts here

    std::vector<Entry> heap_;    // heap_[0] is the earliest (see later())
    std::uint64_t next_sequence_ = 0;
    std::size_t cancelled_ = 0;  // how many timers in heap_ are cancelled
};
// endregion

}  // namespace asyncio
