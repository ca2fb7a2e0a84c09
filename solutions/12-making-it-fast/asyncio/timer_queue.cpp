// The timer queue of chapter 07: a binary heap kept by the standard heap algorithms,
// with lazy cancellation bounded the way CPython bounds it. Chapter 12 changes one line:
// a timer's node comes from the pool (TimerHandle::create), not from make_shared. (No
// exercise here: chapter 07's steps are answered in this copy.)
#include <asyncio/timer_queue.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace asyncio {

// region: later
// std::push_heap and std::pop_heap keep a *max*-heap by the comparison they are given:
// the element that compares greatest goes on top. "a is later than b" as the comparison
// therefore puts the earliest deadline on top, and the one scheduled first among equals.
bool TimerQueue::later(Entry const& a, Entry const& b) {
    return std::tie(a.when, a.sequence) > std::tie(b.when, b.sequence);
}
// endregion

// region: push
TimerHandle TimerQueue::push(TimePoint when, Callback callback, CallSite where) {
    if (!callback) throw std::invalid_argument("call_at/call_later: the callback is empty");
    TimerHandle timer = TimerHandle::create(when, std::move(callback), where);
    timer.timer_state()->cancelled_in_queue = &cancelled_;
    heap_.push_back(Entry{when, next_sequence_++, timer});
    std::push_heap(heap_.begin(), heap_.end(), later);
    compact_if_mostly_cancelled();
    return timer;
}
// endregion

// region: pop-due
TimerQueue::Entry TimerQueue::pop_earliest() {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Entry entry = std::move(heap_.back());
    heap_.pop_back();
    detach(entry);
    return entry;
}

void TimerQueue::pop_due(TimePoint now, std::deque<Handle>& ready) {
    while (!heap_.empty() && heap_.front().when <= now) {
        Entry entry = pop_earliest();
        if (!entry.timer.cancelled()) ready.push_back(std::move(entry.timer));
    }
}
// endregion

void TimerQueue::detach(Entry& entry) {
    TimerHandle::TimerState* state = entry.timer.timer_state();
    if (state->cancelled) --cancelled_;
    state->cancelled_in_queue = nullptr;
}

// region: earliest
std::optional<TimePoint> TimerQueue::earliest() {
    compact_if_mostly_cancelled();
    drop_cancelled_on_top();
    if (heap_.empty()) return std::nullopt;
    return heap_.front().when;
}

void TimerQueue::drop_cancelled_on_top() {
    while (!heap_.empty() && heap_.front().timer.cancelled()) (void)pop_earliest();
}

void TimerQueue::compact_if_mostly_cancelled() {
    if (heap_.size() <= min_size_to_compact) return;
    if (static_cast<double>(cancelled_) <= min_cancelled_fraction * static_cast<double>(heap_.size())) return;
    auto const first_cancelled = std::partition(heap_.begin(), heap_.end(),
                                                [](Entry const& entry) { return !entry.timer.cancelled(); });
    std::for_each(first_cancelled, heap_.end(), [this](Entry& entry) { detach(entry); });
    heap_.erase(first_cancelled, heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), later);
}
// endregion

void TimerQueue::clear() {
    // Detach first, so that a TimerHandle kept by someone else can still be cancelled
    // after the queue is gone; then dropping the entries releases the callbacks.
    for (Entry& entry : heap_) detach(entry);
    for (Entry& entry : heap_) entry.timer.cancel();
    heap_.clear();
}

}  // namespace asyncio
