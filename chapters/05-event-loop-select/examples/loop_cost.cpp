// loop_cost.cpp: what the loop itself costs. A callback that goes through call_soon and
// the ready queue, and an iteration, which asks the selector once even when callbacks are
// ready (with a zero timeout): measured with 1 and with 1,000 callbacks per iteration.
// Chapter 05.
#include <asyncio/event_loop.hpp>
#include <asyncio/pipe.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <functional>

namespace {

using Clock = std::chrono::steady_clock;

// Runs `total` callbacks, `per_iteration` of them in each iteration: each callback
// schedules its successor, so the queue always holds `per_iteration` of them.
// Returns nanoseconds per callback.
double ns_per_callback(long total, int per_iteration) {
    asyncio::EventLoop loop;
    auto idle = asyncio::make_pipe();  // one registered fd, as a real program has some
    loop.add_reader(idle.read_end.get(), [] {});
    long remaining = total;
    std::function<void()> step = [&] {
        if (--remaining > 0) loop.call_soon(step);
        else loop.stop();
    };
    for (int i = 0; i < per_iteration; ++i) loop.call_soon(step);
    auto const start = Clock::now();
    loop.run_forever();
    double const ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    loop.remove_reader(idle.read_end.get());
    return ns / static_cast<double>(total - remaining);
}

}  // namespace

int main(int argc, char** argv) {
    long const total = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    double const one = ns_per_callback(total, 1);
    double const thousand = ns_per_callback(total, 1000);
    fmt::print("{:>34} {:>14}\n", "callbacks per iteration", "ns per callback");
    fmt::print("{:>34} {:>14.0f}   (one select() call per callback)\n", 1, one);
    fmt::print("{:>34} {:>14.0f}   (one select() call per 1,000)\n", 1000, thousand);
    fmt::print("so one iteration's select() costs about {:.0f} ns here\n", one - thousand);
}
