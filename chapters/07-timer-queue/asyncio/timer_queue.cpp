// The timer queue of chapter 07: a binary heap kept by the standard heap algorithms,
// with lazy cancellation bounded the way CPython bounds it.
#include <asyncio/timer_queue.hpp>

#include <asyncio/todo.hpp>

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
    // TODO(timer-heap): Order by deadline, then by sequence number: true if a is due
    // after b.
    (void)a;
    (void)b;
    throw_todo("ch07", "timer-heap");
}
// endregion

// region: push
TimerHandle TimerQueue::push(TimePoint when, Callback callback, CallSite where) {
    if (!callback) throw std::invalid_argument("call_at/call_later: the callback is empty");
    TimerHandle timer = TimerHandle::create(when, std::move(callback), where);
    timer.timer_state()->cancelled_in_queue = &cancelled_;
    // TODO(timer-heap): Append an Entry with the next sequence number and restore the
    // heap order.
    throw_todo("ch07", "timer-heap");
    compact_if_mostly_cancelled();
    return timer;
}
// endregion

// region: pop-due
TimerQueue::Entry TimerQueue::pop_earliest() {
    // TODO(timer-heap): Move the top of the heap to the back, take it out, and detach
    // it.
    throw_todo("ch07", "timer-heap");
}

void TimerQueue::pop_due(TimePoint now, std::deque<Handle>& ready) {
    // TODO(timer-heap): While the earliest timer is due (when <= now), pop it; queue it
    // unless cancelled.
    (void)now;
    (void)ready;
    throw_todo("ch07", "timer-heap");
}
// endregion

void TimerQueue::detach(Entry& entry) {
    TimerHandle::TimerState* state = entry.timer.timer_state();
    if (state->cancelled) --cancelled_;
    state->cancelled_in_queue = nullptr;
}

// region: earliest
std::optional<TimePoint> TimerQueue::earliest() {
    // TODO(timer-cancel): Compact if mostly cancelled; drop cancelled timers from the
    // top; then the top's deadline, if any.
    throw_todo("ch07", "timer-cancel");
}

void TimerQueue::drop_cancelled_on_top() {
    while (!heap_.empty() && heap_.front().timer.cancelled()) (void)pop_earliest();
}

void TimerQueue::compact_if_mostly_cancelled() {
    // TODO(timer-cancel): If more than min_size_to_compact timers and more than
    // min_cancelled_fraction of them are cancelled: remove the cancelled ones (detach
    // them) and rebuild the heap.
    throw_todo("ch07", "timer-cancel");
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
