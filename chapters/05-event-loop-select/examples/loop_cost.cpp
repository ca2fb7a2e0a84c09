// loop_cost.cpp: what the loop itself costs. A callback that goes through call_soon and
// the ready queue, and an iteration, which asks the selector once even when callbacks are
// ready (with a zero timeout): measured with 1 and with 1,000 callbacks per iteration,
// in thread CPU time, best of 5 runs beside the slowest (chapter 02's method). Chapter 05.
//
//   ch05_loop_cost [N]     N callbacks per run (default 1000000)
// course-bench:
#include <asyncio/event_loop.hpp>
#include <asyncio/pipe.hpp>

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <functional>

namespace {

// CPU time of this thread, not wall-clock time: on a busy machine the thread may wait
// for a core, and that is not the loop's cost. The select() system call is CPU time of
// this thread too, so it is counted.
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

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
    double const start = thread_cpu_seconds();
    loop.run_forever();
    double const ns = (thread_cpu_seconds() - start) * 1e9;
    loop.remove_reader(idle.read_end.get());
    return ns / static_cast<double>(total - remaining);
}

struct Timing {
    double best = 1e300, slowest = 0;
};

Timing best_of_five(long total, int per_iteration) {
    Timing timing;
    for (int run = 0; run < 5; ++run) {
        double const ns = ns_per_callback(total, per_iteration);
        timing.best = std::min(timing.best, ns);
        timing.slowest = std::max(timing.slowest, ns);
    }
    return timing;
}

}  // namespace

int main(int argc, char** argv) {
    long const total = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    if (total <= 1) {
        fmt::print(stderr, "usage: {} [N > 1]\n", argv[0]);
        return 64;
    }
    Timing const one = best_of_five(total, 1);
    Timing const thousand = best_of_five(total, 1000);
    fmt::print("{} callbacks per run, thread CPU time, 5 runs\n", total);
    fmt::print("{:>24} {:>21}\n", "callbacks per iteration", "ns per callback");
    fmt::print("{:>24} {:>10} {:>10}\n", "", "best", "slowest");
    fmt::print("{:>24} {:>10.0f} {:>10.0f}   (one select() call per callback)\n", 1, one.best, one.slowest);
    fmt::print("{:>24} {:>10.0f} {:>10.0f}   (one select() call per 1,000)\n", 1000, thousand.best, thousand.slowest);
    fmt::print("so one iteration's select() costs about {:.0f} ns here (best runs)\n", one.best - thousand.best);
}
