// trace_cost.cpp: what debug mode and the trace cost per callback. A million callbacks
// through the ready queue, 1,000 per iteration (chapter 05's loop_cost), with debug mode
// and the trace off, with debug mode on (two readings of the clock per callback), and
// with a trace recording (the same, plus an event with its name per callback). Thread
// CPU time, best of 5 runs beside the slowest (chapter 02's method). Chapter 11.
//
//   ch11_trace_cost [N]     N callbacks per run (default 1000000)
// course-bench:
#include <asyncio/event_loop.hpp>
#include <asyncio/trace.hpp>

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <utility>

namespace {

double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

enum class Mode { off, debug, trace };

// ns per callback for one run of `total` callbacks, 1,000 in the queue at any time.
double one_run(Mode mode, long total) {
    asyncio::EventLoop loop;
    asyncio::Trace trace;
    loop.set_debug(mode == Mode::debug);
    if (mode == Mode::trace) loop.set_trace(&trace);
    long left = total;
    std::function<void()> callback = [&] {
        if (--left > 0)
            loop.call_soon(callback);
        else
            loop.stop();
    };
    for (int i = 0; i < 1000; ++i) loop.call_soon(callback);
    double const start = thread_cpu_seconds();
    loop.run_forever();
    return (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(total);
}

}  // namespace

int main(int argc, char** argv) {
    long const total = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    if (total < 1000) {
        fmt::print(stderr, "usage: {} [N >= 1000]\n", argv[0]);
        return 2;
    }
    fmt::print("{} callbacks per run, 1,000 per iteration, thread CPU time, 5 runs\n", total);
    fmt::print("{:<28} {:>8} {:>8}   (ns per callback)\n", "", "best", "slowest");
    for (auto [mode, name] : {std::pair{Mode::off, "debug mode and trace off"}, std::pair{Mode::debug, "debug mode on"},
                              std::pair{Mode::trace, "trace recording"}}) {
        double best = 1e18, slowest = 0;
        for (int run = 0; run < 5; ++run) {
            double const ns = one_run(mode, total);
            best = std::min(best, ns);
            slowest = std::max(slowest, ns);
        }
        fmt::print("{:<28} {:>8.0f} {:>8.0f}\n", name, best, slowest);
    }
    return 0;
}
