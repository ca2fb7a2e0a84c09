// Nanoseconds per context switch: swapcontext against the hand-written switch, bare and
// inside BasicFiber and the scheduler. Chapter 02 lesson program.
//
//   ch02_switch_cost [ROUNDS]       default 1000000 round trips, best of 5 runs
//   strace -c ch02_switch_cost 10000  one rt_sigprocmask system call per swapcontext
//
// boost.context's fiber is measured too when the program is compiled by hand with
// -DASYNCIO_WITH_BOOST_CONTEXT and linked with -lboost_context: the lesson (README.md,
// "Measurements") has the command. The course's build does not link boost.
// course-bench:
#include <asyncio/assembly_switch.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/scheduler.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/ucontext_switch.hpp>

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#if defined(ASYNCIO_WITH_BOOST_CONTEXT) && __has_include(<boost/context/fiber.hpp>)
#include <boost/context/fiber.hpp>
#define WITH_BOOST 1
#endif

namespace {

// region: timing
// CPU time of this thread, not wall-clock time: on a busy machine the thread may wait
// for a core, and that is not the switch's cost. (The system call in swapcontext is
// CPU time of this thread too, so it is counted.)
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Nanoseconds per call of `step`, the best of five runs of `count` calls.
template <class Step>
double nanoseconds_per(long count, Step&& step) {
    double best = 1e300;
    for (int run = 0; run < 5; ++run) {
        double const start = thread_cpu_seconds();
        for (long i = 0; i < count; ++i) step();
        best = std::min(best, (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(count));
    }
    return best;
}
// endregion

// region: bare
// Two contexts bouncing control back and forth with nothing around the switch itself.
template <class Switch>
struct Bounce {
    typename Switch::Context main, side;
    static void entry(void* bounce) noexcept {
        auto* const self = static_cast<Bounce*>(bounce);
        for (;;) Switch::swap(self->side, self->main);
    }
};

template <class Switch>
double bare_switch(long rounds) {
    asyncio::FiberStack stack(64 * 1024);
    Bounce<Switch> bounce;
    Switch::prepare(bounce.side, stack, &Bounce<Switch>::entry, &bounce);
    // Each round trip is two switches: there and back. The side is left suspended in its
    // loop when `stack` is freed; nothing on it needs destroying.
    return nanoseconds_per(rounds, [&] { Switch::swap(bounce.main, bounce.side); }) / 2;
}
// endregion

template <class Switch>
double fiber_switch(long rounds) {
    using Fiber = asyncio::BasicFiber<Switch>;
    Fiber fiber([] {
        for (;;) Fiber::yield();  // unwound when `fiber` is destroyed
    });
    return nanoseconds_per(rounds, [&] { fiber.resume(); }) / 2;
}

// region: scheduler-yield
// Two fibers yielding to each other through the scheduler: each yield is two switches
// (fiber -> loop -> next fiber) plus the run queue's push and pop.
template <class Switch>
double scheduler_yield(long rounds) {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    double best = 1e300;
    for (int run = 0; run < 5; ++run) {
        Scheduler scheduler;
        for (int i = 0; i < 2; ++i)
            scheduler.spawn([rounds] {
                for (long k = 0; k < rounds; ++k) Scheduler::yield();
            });
        double const start = thread_cpu_seconds();
        scheduler.run();
        best = std::min(best, (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(2 * rounds));
    }
    return best;
}
// endregion

#if WITH_BOOST
double boost_fiber(long rounds) {
    namespace context = boost::context;
    context::fiber side([](context::fiber&& main) {
        for (;;) main = std::move(main).resume();
        return std::move(main);
    });
    return nanoseconds_per(rounds, [&] { side = std::move(side).resume(); }) / 2;
}
#endif

}  // namespace

int main(int argc, char** argv) {
    long const rounds = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    if (rounds <= 0) {
        fmt::print(stderr, "usage: {} [ROUNDS > 0]\n", argv[0]);
        return 64;
    }
    using asyncio::AssemblySwitch;
    using asyncio::UcontextSwitch;
    fmt::print("{} round trips, best of 5 runs, thread CPU time\n", rounds);
    if (!AssemblySwitch::hand_written) fmt::print("(second column: {})\n", AssemblySwitch::name);
    fmt::print("{:<34}{:>12}{:>12}\n", "nanoseconds per switch", UcontextSwitch::name,
               AssemblySwitch::hand_written ? AssemblySwitch::name : "fallback");
#if ASYNCIO_ASAN || ASYNCIO_TSAN
    fmt::print("{:<34}  (skipped: sanitizers must hear of every switch)\n", "bare switch");
#else
    fmt::print("{:<34}{:>12.1f}{:>12.1f}\n", "bare switch", bare_switch<UcontextSwitch>(rounds),
               bare_switch<AssemblySwitch>(rounds));
#endif
    fmt::print("{:<34}{:>12.1f}{:>12.1f}\n", "BasicFiber resume/yield", fiber_switch<UcontextSwitch>(rounds),
               fiber_switch<AssemblySwitch>(rounds));
    fmt::print("{:<34}{:>12.1f}{:>12.1f}\n", "Scheduler::yield (per yield)", scheduler_yield<UcontextSwitch>(rounds),
               scheduler_yield<AssemblySwitch>(rounds));
#if WITH_BOOST
    fmt::print("{:<34}{:>24.1f}\n", "boost::context::fiber resume", boost_fiber(rounds));
#else
    fmt::print("(boost.context not measured: see the comment at the top of {} to build it in)\n", __FILE__);
#endif
}
