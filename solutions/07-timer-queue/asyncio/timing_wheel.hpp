// TimingWheel: the other way to keep timers (the bonus step of chapter 07), a
// hierarchical timing wheel as Varghese and Lauck describe it and the Linux kernel and
// Kafka use: buckets of 1 ms, so scheduling and cancelling never compare deadlines.
// Same interface and contract as TimerQueue (timer_queue.hpp).
#pragma once

#include <asyncio/call_site.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/timer_handle.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace asyncio {

// region: timing-wheel
// Time is counted in ticks of 1 ms. Level 0 has a slot per tick of the current block of
// 64 ticks; level 1 a slot per 64-tick block of the current block of 64 x 64 ticks; and
// so on, four levels deep (2^24 ticks, 4.6 hours); later timers wait in `far_`. Every
// timer in a slot of level L is due after every timer of the slots of lower levels, and
// after those of the earlier slots of level L. When the current tick enters a new block,
// the slot of the next level that holds that block is emptied into the level below
// ("cascading"): a timer moves at most four times before it fires.
class TimingWheel {
public:
    // The wheel turns from `start` on (the loop's time() when the loop makes one): its
    // first tick is start's millisecond.
    explicit TimingWheel(TimePoint start = Clock::now()) : now_(tick_of(start)) {}
    ~TimingWheel() { clear(); }
    TimingWheel(TimingWheel const&) = delete;
    TimingWheel& operator=(TimingWheel const&) = delete;

    TimerHandle push(TimePoint when, Callback callback, CallSite where = CallSite::current());
    std::optional<TimePoint> earliest();
    void pop_due(TimePoint now, std::deque<Handle>& ready);
    void clear();

    std::size_t size() const { return size_; }  // live and cancelled timers
    bool empty() const { return size_ == 0; }
    std::size_t cancelled_count() const { return cancelled_; }

    // TimerQueue's rule for dead weight (CPython's): sweep the cancelled timers out when
    // more than 100 are held and more than half of them are cancelled.
    static constexpr std::size_t min_size_to_compact = 100;
    static constexpr double min_cancelled_fraction = 0.5;

    static constexpr int levels = 4;
    static constexpr int bits = 6;                 // 64 slots per level
    static constexpr int slots = 1 << bits;
    using Tick = std::int64_t;                     // milliseconds since the clock's epoch
    static Tick tick_of(TimePoint when);

private:
    struct Entry {
        TimePoint when;
        std::uint64_t sequence;  // the order of scheduling, which breaks ties
        TimerHandle timer;
    };
    struct Level {
        std::array<std::vector<Entry>, slots> slot;
        std::uint64_t occupied = 0;  // bit i set: slot[i] is not empty
    };

    void place(Entry entry);                    // into the slot its tick belongs to, seen from now_
    void advance_block();                       // now_ to the first tick of the next level-0 block
    void collect(std::vector<Entry>& slot, TimePoint now, std::vector<Entry>& due);
    std::optional<TimePoint> earliest_live(std::vector<Entry>& slot);
    void detach(Entry& entry);
    void compact_if_mostly_cancelled();

    std::array<Level, levels> level_;
    std::vector<Entry> far_;   // more than 2^24 ticks ahead of now_
    Tick now_;                 // the current tick: every slot before it has been emptied
    std::size_t size_ = 0;
    std::size_t cancelled_ = 0;
    std::uint64_t next_sequence_ = 0;
};
// endregion

}  // namespace asyncio
