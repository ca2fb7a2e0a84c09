// How much does a fiber switch cost? Nanoseconds per swapcontext, against a plain function
// call and a trivial system call. Chapter 01 lesson program.
//
//   ch01_switch_cost [ROUNDS]                 default 1000000 round trips (two switches each)
//   strace -c -f ch01_switch_cost 10000       counts the system calls: one rt_sigprocmask
//                                             per swapcontext, which is where the time goes
#include <asyncio/fiber.hpp>
#include <asyncio/stack.hpp>

#include <fmt/core.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

namespace {

// region: timing
// Runs `step` `count` times and returns the nanoseconds per run.
template <class Step>
double nanoseconds_per(long count, Step&& step) {
    auto const start = std::chrono::steady_clock::now();
    for (long i = 0; i < count; ++i) step();
    std::chrono::duration<double, std::nano> const elapsed = std::chrono::steady_clock::now() - start;
    return elapsed.count() / static_cast<double>(count);
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

    double const call = nanoseconds_per(rounds, [] { call_target(); });
    double const system_call = nanoseconds_per(rounds, [] { syscall(SYS_getppid); });

    // region: raw-setup
    asyncio::FiberStack bouncer_stack(64 * 1024);
    getcontext(&bouncer_context);
    bouncer_context.uc_stack.ss_sp = bouncer_stack.bottom();
    bouncer_context.uc_stack.ss_size = bouncer_stack.size();
    makecontext(&bouncer_context, &bouncer, 0);
    // Each round trip is two swapcontext calls: there and back.
    double const raw = nanoseconds_per(rounds, [] { swapcontext(&main_context, &bouncer_context); }) / 2;
    // endregion

    // region: fiber-round-trip
    bool measuring = true;
    asyncio::Fiber fiber([&] {
        while (measuring) asyncio::Fiber::yield();
    });
    double const fiber_switch = nanoseconds_per(rounds, [&] { fiber.resume(); }) / 2;
    measuring = false;
    fiber.resume();  // lets the body return
    // endregion

    fmt::print("{} round trips, two switches each\n", rounds);
    fmt::print("function call (baseline)      {:8.1f} ns\n", call);
    fmt::print("system call getppid           {:8.1f} ns\n", system_call);
    fmt::print("swapcontext, raw              {:8.1f} ns per switch\n", raw);
    fmt::print("Fiber resume/yield            {:8.1f} ns per switch\n", fiber_switch);
    fmt::print("each swapcontext also makes one rt_sigprocmask system call; count them with\n"
               "  strace -c -f {} 10000\n",
               argv[0]);
}
