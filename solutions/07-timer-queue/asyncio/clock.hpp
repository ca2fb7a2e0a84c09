// The loop's clock: std::chrono::steady_clock, monotonic like Python's loop.time()
// (time.monotonic()), so a change of the wall clock never fires or delays a timer.
// Introduced in chapter 07.
#pragma once

#include <chrono>

namespace asyncio {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;  // what call_at takes and TimerHandle::when() gives

// Seconds since the clock's epoch, as a double: Python's loop.time(), for printing.
inline double seconds_since_epoch(TimePoint when) {
    return std::chrono::duration<double>(when.time_since_epoch()).count();
}

}  // namespace asyncio
