// The bonus step of chapter 07: a hierarchical timing wheel behind TimerQueue's interface.
#include <asyncio/timing_wheel.hpp>

#include <asyncio/todo.hpp>

#include <algorithm>
#include <bit>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace asyncio {

namespace {

// The first tick of the block of level `level` that holds `tick`: the low bits cleared.
constexpr std::int64_t low_bits(int level) { return (std::int64_t{1} << (TimingWheel::bits * level)) - 1; }

// Each set bit of `occupied` from bit `from` up, lowest first; stops when `visit` says so.
template <class Visit>
bool for_each_occupied(std::uint64_t occupied, int from, int to, Visit visit) {
    if (from > to) return false;
    std::uint64_t bits = occupied >> from << from;
    if (to < 63) bits &= (std::uint64_t{1} << (to + 1)) - 1;
    while (bits != 0) {
        int const index = std::countr_zero(bits);
        bits &= bits - 1;
        if (visit(index)) return true;
    }
    return false;
}

}  // namespace

TimingWheel::Tick TimingWheel::tick_of(TimePoint when) {
    return std::chrono::floor<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

TimerHandle TimingWheel::push(TimePoint when, Callback callback, CallSite where) {
    if (!callback) throw std::invalid_argument("call_at/call_later: the callback is empty");
    TimerHandle timer = TimerHandle::create(when, std::move(callback), where);
    timer.timer_state()->cancelled_in_queue = &cancelled_;
    place(Entry{when, next_sequence_++, timer});
    ++size_;
    compact_if_mostly_cancelled();
    return timer;
}

// region: place
void TimingWheel::place(Entry entry) {
    // TODO(timing-wheel): Find the lowest level whose current block (the bits above the
    // level's own) holds the timer's tick; a tick already passed counts as the current
    // one. Put the entry in that level's slot (the tick's bits of the level) and mark
    // the slot occupied; past the last level, in far_.
    (void)entry;
    throw_todo("ch07", "timing-wheel");
}
// endregion

// region: advance-block
void TimingWheel::advance_block() {
    // TODO(timing-wheel): Move now_ to the first tick of the next block of level 0.
    // Then, from the highest level whose block now_ starts down to level 1, take that
    // level's slot for now_ (far_ for a new 2^24-tick block) and place its entries
    // again: they fall into the levels below.
    throw_todo("ch07", "timing-wheel");
}
// endregion

void TimingWheel::detach(Entry& entry) {
    TimerHandle::TimerState* state = entry.timer.timer_state();
    if (state->cancelled) --cancelled_;
    state->cancelled_in_queue = nullptr;
}

// Takes out of `slot` what is due at `now` (into `due`) and what is cancelled (dropped).
void TimingWheel::collect(std::vector<Entry>& slot, TimePoint now, std::vector<Entry>& due) {
    auto keep = slot.begin();
    for (auto it = slot.begin(); it != slot.end(); ++it) {
        if (it->timer.cancelled() || it->when <= now) {
            detach(*it);
            --size_;
            if (!it->timer.cancelled()) due.push_back(std::move(*it));
        } else {
            if (keep != it) *keep = std::move(*it);
            ++keep;
        }
    }
    slot.erase(keep, slot.end());
}

// region: pop-due
void TimingWheel::pop_due(TimePoint now, std::deque<Handle>& ready) {
    Tick const target = tick_of(now);
    std::vector<Entry> due;
    while (size_ > 0) {
        // The slots of level 0 from now_ up to the target's tick, or to the block's end.
        Tick const block_last = now_ | low_bits(1);
        Tick const last = std::clamp(target, now_, block_last);
        Level& ground = level_[0];
        for_each_occupied(ground.occupied, static_cast<int>(now_ & (slots - 1)), static_cast<int>(last & (slots - 1)),
                          [&](int index) {
                              collect(ground.slot[index], now, due);
                              if (ground.slot[index].empty()) ground.occupied &= ~(std::uint64_t{1} << index);
                              return false;
                          });
        if (target <= block_last) break;
        advance_block();
    }
    now_ = std::max(now_, target);  // (with nothing left, the wheel jumps straight there)
    // Slots hold timers of one tick in any order, and cascading mixes them: the heap's
    // order (deadline, then scheduling) is restored for the few that are due.
    std::sort(due.begin(), due.end(),
              [](Entry const& a, Entry const& b) { return std::tie(a.when, a.sequence) < std::tie(b.when, b.sequence); });
    for (Entry& entry : due) ready.push_back(std::move(entry.timer));
}
// endregion

// The earliest live deadline in `slot`, dropping its cancelled timers on the way.
std::optional<TimePoint> TimingWheel::earliest_live(std::vector<Entry>& slot) {
    std::vector<Entry> nothing_due;
    collect(slot, TimePoint::min(), nothing_due);  // only drops the cancelled ones
    if (slot.empty()) return std::nullopt;
    return std::min_element(slot.begin(), slot.end(), [](Entry const& a, Entry const& b) { return a.when < b.when; })
        ->when;
}

// region: earliest
std::optional<TimePoint> TimingWheel::earliest() {
    compact_if_mostly_cancelled();
    // Level by level, slot by slot from now_ on: the first slot with a live timer holds
    // the earliest one (every later slot, and every higher level, is due after it).
    for (int level = 0; level < levels; ++level) {
        Level& here = level_[level];
        int const current = static_cast<int>((now_ >> (bits * level)) & (slots - 1));
        int const from = level == 0 ? current : current + 1;  // higher levels: the blocks after now_'s
        std::optional<TimePoint> found;
        for_each_occupied(here.occupied, from, slots - 1, [&](int index) {
            found = earliest_live(here.slot[index]);
            if (here.slot[index].empty()) here.occupied &= ~(std::uint64_t{1} << index);
            return found.has_value();
        });
        if (found) return found;
    }
    return earliest_live(far_);
}
// endregion

void TimingWheel::compact_if_mostly_cancelled() {
    if (size_ <= min_size_to_compact) return;
    if (static_cast<double>(cancelled_) <= min_cancelled_fraction * static_cast<double>(size_)) return;
    std::vector<Entry> nothing_due;
    for (Level& level : level_) {
        for_each_occupied(level.occupied, 0, slots - 1, [&](int index) {
            collect(level.slot[index], TimePoint::min(), nothing_due);
            if (level.slot[index].empty()) level.occupied &= ~(std::uint64_t{1} << index);
            return false;
        });
    }
    collect(far_, TimePoint::min(), nothing_due);
}

void TimingWheel::clear() {
    std::vector<TimerHandle> timers;
    auto take = [&](std::vector<Entry>& slot) {
        for (Entry& entry : slot) {
            detach(entry);
            timers.push_back(std::move(entry.timer));
        }
        slot.clear();
    };
    for (Level& level : level_) {
        for (auto& slot : level.slot) take(slot);
        level.occupied = 0;
    }
    take(far_);
    size_ = 0;
    for (TimerHandle& timer : timers) timer.cancel();  // releases the captures now
}

}  // namespace asyncio
