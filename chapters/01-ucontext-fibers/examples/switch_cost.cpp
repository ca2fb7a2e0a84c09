// How much does a fiber switch cost? Nanoseconds per swapcontext, against a plain function
// call and a trivial system call. Chapter 01 lesson program.
//
//   ch01_switch_cost [ROUNDS]                 default 1000000 round trips (two switches each),
//                                             best of 5 runs, thread CPU time
//   strace -c -f ch01_switch_cost 10000       counts the system calls: one rt_sigprocmask
//                                             per swapcontext, which is where the time goes
// course-bench:
#include <asyncio/fiber.hpp>
#include <asyncio/stack.hpp>

#include <fmt/core.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

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

// Nanoseconds per call of `step` in five runs of `count` calls: the best run is the
// estimate of the cost, the slowest shows how steady the machine was.
struct Timing {
    double best = 1e300, slowest = 0;
    Timing operator/(double divisor) const { return {best / divisor, slowest / divisor}; }
};

template <class Step>
Timing nanoseconds_per(long count, Step&& step) {
    Timing timing;
    for (int run = 0; run < 5; ++run) {
        double const start = thread_cpu_seconds();
        for (long i = 0; i < count; ++i) step();
        double const ns = (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(count);
        timing.best = std::min(timing.best, ns);
        timing.slowest = std::max(timing.slowest, ns);
    }
    return timing;
}
// endregion

[[gnu::noinline]] void empty_function() { asm volatile(""); }
void (*volatile call_target)() = &empty_function;  // volatile: the call cannot be inlined away

// region: raw-swapcontext
// Two contexts bouncing control back and forth, without the Fiber class around them.
ucontext_t main_context, bouncer_context;

[[noreturn]] void bouncer() {
    for (;;) swapcontext(&bouncer_context, &main_context);
}
// endregion

}  // namespace

int main(int argc, char** argv) {
    long const rounds = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    if (rounds <= 0) {
        fmt::print(stderr, "usage: {} [ROUNDS > 0]\n", argv[0]);
        return 64;
    }

    Timing const call = nanoseconds_per(rounds, [] { call_target(); });
    Timing const system_call = nanoseconds_per(rounds, [] { syscall(SYS_getppid); });

    // region: raw-setup
    asyncio::FiberStack bouncer_stack(64 * 1024);
    getcontext(&bouncer_context);
    bouncer_context.uc_stack.ss_sp = bouncer_stack.bottom();
    bouncer_context.uc_stack.ss_size = bouncer_stack.size();
    makecontext(&bouncer_context, &bouncer, 0);
    // Each round trip is two swapcontext calls: there and back.
    Timing const raw = nanoseconds_per(rounds, [] { swapcontext(&main_context, &bouncer_context); }) / 2;
    // endregion

    // region: fiber-round-trip
    bool measuring = true;
    asyncio::Fiber fiber([&] {
        while (measuring) asyncio::Fiber::yield();
    });
    Timing const fiber_switch = nanoseconds_per(rounds, [&] { fiber.resume(); }) / 2;
    measuring = false;
    fiber.resume();  // lets the body return
    // endregion

    fmt::print("{} round trips, two switches each; thread CPU time, 5 runs\n", rounds);
    fmt::print("{:<30}{:>11}{:>11}\n", "", "best", "slowest");
    auto const row = [](char const* what, Timing const& timing, char const* per) {
        fmt::print("{:<30}{:>8.1f} ns{:>8.1f} ns{}\n", what, timing.best, timing.slowest, per);
    };
    row("function call (baseline)", call, "");
    row("system call getppid", system_call, "");
    row("swapcontext, raw", raw, " per switch");
    row("Fiber resume/yield", fiber_switch, " per switch");
    fmt::print("each swapcontext also makes one rt_sigprocmask system call; count them with\n"
               "  strace -c -f {} 10000\n",
               argv[0]);
}
