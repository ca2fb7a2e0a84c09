// TimerHandle: the Handle of a callback scheduled for a point in time by call_later or
// call_at (Python's asyncio.TimerHandle). Introduced in chapter 07; chapter 12 keeps it in
// a pooled node (handle.hpp), a TimerNode, instead of a shared TimerState.
#pragma once

#include <asyncio/call_site.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/handle.hpp>

#include <cstdint>
#include <utility>

namespace asyncio {

class TimerQueue;

// A TimerHandle is a Handle (the loop runs it, cancel() cancels it, and a copy taken as
// a plain Handle still shares its node) that also knows when it is due.
class TimerHandle : public Handle {
public:
    TimerHandle() = default;

    // The deadline on the loop's clock (Python: TimerHandle.when()).
    TimePoint when() const {
        auto const* timer = timer_state();
        if (timer == nullptr) throw InvalidStateError("TimerHandle::when() on an empty handle");
        return timer->when;
    }

private:
    friend class TimerQueue;
    friend class TimingWheel;  // chapter 07's bonus step
    using TimerState = detail::TimerNode;  // chapter 07's name, which the timer queue uses

    // A new timer's handle, due at `when`.
    template <class F>
    static TimerHandle create(TimePoint when, F&& callable, CallSite where) {
        return TimerHandle(make_node<detail::TimerNode>(std::forward<F>(callable), where, 1, when));
    }

    explicit TimerHandle(detail::TimerNode* adopted) noexcept : Handle(adopted) {}
    TimerState* timer_state() const { return static_cast<TimerState*>(node()); }
};

}  // namespace asyncio
