// VirtualTimeLoop: chapter 07's EventLoop on a clock that the test owns. The selector
// does not sleep: asked to wait for a timeout, it records the request, moves the clock
// forward by exactly that much and only polls the fds. Timer tests are then exact and
// instant, and as fast on a loaded machine as on an idle one. Chapter 07.
#pragma once

#include <asyncio/base_selector.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/event_loop.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace testing {

using namespace std::chrono_literals;

struct VirtualClock {
    // Far from the real steady clock's time (which counts from boot), so that code that
    // reads Clock::now() instead of loop.time() gets answers that are plainly wrong.
    asyncio::TimePoint now = asyncio::TimePoint(std::chrono::hours(24 * 365 * 50));
    std::vector<asyncio::selectors::Timeout> waits;  // every timeout the loop asked for
    bool frozen = false;                             // true: waiting does not move the clock
};

// Any real selector S (so fds work as usual), with select() on the virtual clock.
template <class S>
class VirtualTimeSelector : public S {
public:
    explicit VirtualTimeSelector(VirtualClock& clock) : clock_(clock) {}

    std::vector<asyncio::selectors::ReadyKey> select(asyncio::selectors::Timeout timeout) override {
        clock_.waits.push_back(timeout);
        if (timeout && !clock_.frozen && *timeout > std::chrono::nanoseconds(0)) clock_.now += *timeout;
        // Waiting for ever with no fd to wait for would hang the test: poll instead. The
        // request is recorded in waits, where the test can see it.
        return S::select(std::chrono::nanoseconds(0));
    }

private:
    VirtualClock& clock_;
};

template <class S>
class VirtualTimeLoop : public asyncio::EventLoop {
public:
    explicit VirtualTimeLoop(VirtualClock& clock)
        : asyncio::EventLoop(std::make_unique<VirtualTimeSelector<S>>(clock)), clock_(clock) {}
    ~VirtualTimeLoop() override {
        if (!is_closed()) close();
    }
    asyncio::TimePoint time() const override { return clock_.now; }

private:
    VirtualClock& clock_;
};

// Runs iterations until `done()` says so or `max_iterations` have run; returns how many
// ran. A broken exercise then fails a CHECK instead of spinning for ever.
inline std::size_t run_until(asyncio::EventLoop& loop, std::function<bool()> const& done,
                             std::size_t max_iterations = 10'000) {
    std::size_t iterations = 0;
    while (!done() && iterations < max_iterations) {
        loop.run_once();
        ++iterations;
    }
    return iterations;
}

}  // namespace testing
