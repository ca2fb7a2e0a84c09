// TimerHandle: the Handle of a callback scheduled for a point in time by call_later or
// call_at (Python's asyncio.TimerHandle). Introduced in chapter 07.
#pragma once

#include <asyncio/clock.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/handle.hpp>

#include <cstddef>
#include <fmt/core.h>
#include <memory>
#include <string>
#include <utility>

namespace asyncio {

class TimerQueue;

// region: timer-handle
// A TimerHandle is a Handle (the loop runs it, cancel() cancels it, and a copy taken as
// a plain Handle still shares its state) that also knows when it is due.
class TimerHandle : public Handle {
public:
    TimerHandle() = default;

    // The deadline on the loop's clock (Python: TimerHandle.when()).
    TimePoint when() const {
        auto const* timer = static_cast<TimerState const*>(state());
        if (timer == nullptr) throw InvalidStateError("TimerHandle::when() on an empty handle");
        return timer->when;
    }

private:
    friend class TimerQueue;
    friend class TimingWheel;  // the bonus step's other timer queue (timing_wheel.hpp)

    struct TimerState : State {
        TimerState(Callback cb, CallSite where, TimePoint due) : State(std::move(cb), where), when(due) {}
        std::string kind() const override { return fmt::format("TimerHandle when={:.6f}", seconds_since_epoch(when)); }
        // While the timer is in a queue, cancelling it counts there, so that the queue
        // knows when most of it is dead weight (Python: loop._timer_handle_cancelled).
        void on_cancel() override {
            if (cancelled_in_queue != nullptr) ++*cancelled_in_queue;
        }
        TimePoint when;
        std::size_t* cancelled_in_queue = nullptr;  // the queue's counter; nullptr when not queued
    };

    // A new timer's handle, due at `when` (what the timer queues make).
    static TimerHandle create(TimePoint when, Callback callback, CallSite where) {
        return TimerHandle(std::make_shared<TimerState>(std::move(callback), where, when));
    }

    explicit TimerHandle(std::shared_ptr<TimerState> state) : Handle(std::move(state)) {}
    TimerState* timer_state() const { return static_cast<TimerState*>(state()); }
};
// endregion

}  // namespace asyncio
