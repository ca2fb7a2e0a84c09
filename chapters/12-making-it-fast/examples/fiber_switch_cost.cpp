// Nanoseconds per switch of chapter 12's BasicFiber beside the bare assembly switch, and
// what each of the chapter's changes is worth, measured in one program. Chapter 12
// lesson program.
//
//   ch12_fiber_switch_cost [ROUNDS]   default 1000000 round trips; best and slowest of 7 runs
//
// boost.context's fiber is measured too when the program is compiled by hand with
// -DASYNCIO_WITH_BOOST_CONTEXT and linked with -lboost_context (the lesson has the
// command); the course's build does not link boost.
// course-bench:
#include <asyncio/assembly_switch.hpp>
#include <asyncio/exception_state.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/ucontext_switch.hpp>

#include <cxxabi.h>
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
// CPU time of this thread: on a busy machine the thread may wait for a core, and that
// is not the switch's cost.
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Timing {
    double best = 1e300;  // what the code costs when nothing disturbs it
    double slowest = 0;   // how much the machine disturbed it
};

// Nanoseconds per call of `step`: seven runs of `count` calls, after a warm-up of a tenth.
template <class Step>
Timing nanoseconds_per(long count, Step&& step) {
    for (long i = 0; i < count / 10; ++i) step();
    Timing timing;
    for (int run = 0; run < 7; ++run) {
        double const start = thread_cpu_seconds();
        for (long i = 0; i < count; ++i) step();
        double const ns = (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(count);
        timing.best = std::min(timing.best, ns);
        timing.slowest = std::max(timing.slowest, ns);
    }
    return timing;
}

Timing per_switch(Timing round_trip) {
    return {round_trip.best / 2, round_trip.slowest / 2};
}
// endregion

// Two contexts bouncing control with nothing around the switch: the floor.
template <class Switch>
struct Bounce {
    typename Switch::Context main, side;
    static void entry(void* bounce) noexcept {
        auto* const self = static_cast<Bounce*>(bounce);
        for (;;) Switch::swap(self->side, self->main);
    }
};

template <class Switch>
Timing bare_switch(long rounds) {
    asyncio::FiberStack stack(64 * 1024);
    Bounce<Switch> bounce;
    Switch::prepare(bounce.side, stack, &Bounce<Switch>::entry, &bounce);
    return per_switch(nanoseconds_per(rounds, [&] { Switch::swap(bounce.main, bounce.side); }));
}

// region: fiber-round-trip
// BasicFiber as the scoreboard's W1 uses it: resume() in a loop, yield() in a loop.
// Both are inline now, so each loop contains the switch itself.
template <class Switch>
Timing fiber_switch(long rounds) {
    using Fiber = asyncio::BasicFiber<Switch>;
    Fiber fiber([] {
        for (;;) Fiber::yield();  // unwound when `fiber` is destroyed
    });
    return per_switch(nanoseconds_per(rounds, [&] { fiber.resume(); }));
}
// endregion

// region: outlined
// The same fast path, reached through functions the compiler must not inline: how
// chapter 02's resume() and yield() were called (they lived in fiber.cpp). A switch
// lands in the other side's frame, and the `ret` out of that frame is mispredicted:
// the processor's return-address stack still holds the addresses of the side that
// just switched away.
using AssemblyFiber = asyncio::BasicFiber<asyncio::AssemblySwitch>;
[[gnu::noinline]] void resume_outlined(AssemblyFiber& fiber) {
    fiber.resume();
}
[[gnu::noinline]] void yield_outlined() {
    AssemblyFiber::yield();
}

Timing outlined_fiber_switch(long rounds) {
    AssemblyFiber fiber([] {
        for (;;) yield_outlined();
    });
    return per_switch(nanoseconds_per(rounds, [&] { resume_outlined(fiber); }));
}
// endregion

void* volatile sink;  // keeps the lookups' results, so that no call is left out

// region: record-lookup
// What chapter 01's ExceptionState paid on every switch, against chapter 12's cache.
// (The lookup is a call into libstdc++.so, which calls __tls_get_addr.) <cxxabi.h>
// declares __cxa_get_globals `const`, so the compiler would call it once for the whole
// loop: the empty asm with a "memory" clobber makes each call of these functions count.
[[gnu::noinline]] void* record_from_runtime() {
    __asm__ volatile("" ::: "memory");
    return abi::__cxa_get_globals();
}
[[gnu::noinline]] void* record_from_cache() {
    __asm__ volatile("" ::: "memory");
    auto* globals = asyncio::detail::thread_eh_globals;
    if (globals == nullptr) [[unlikely]]
        globals = asyncio::detail::thread_eh_globals = asyncio::detail::thread_eh_globals_from_runtime();
    return globals;
}
// endregion

#if WITH_BOOST
Timing boost_fiber(long rounds) {
    namespace context = boost::context;
    context::fiber side([](context::fiber&& main) {
        for (;;) main = std::move(main).resume();
        return std::move(main);
    });
    return per_switch(nanoseconds_per(rounds, [&] { side = std::move(side).resume(); }));
}
#endif

void row(char const* what, Timing timing) {
    fmt::print("{:<46}{:>8.1f}{:>10.1f}\n", what, timing.best, timing.slowest);
}

}  // namespace

int main(int argc, char** argv) {
    long const rounds = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    if (rounds <= 0) {
        fmt::print(stderr, "usage: {} [ROUNDS > 0]\n", argv[0]);
        return 64;
    }
    using asyncio::AssemblySwitch;
    using asyncio::UcontextSwitch;
    fmt::print("{} round trips, thread CPU time, best and slowest of 7 runs\n", rounds);
    if (!AssemblySwitch::hand_written)
        fmt::print("(no hand-written switch for this CPU: \"assembly\" is {})\n", AssemblySwitch::name);
    fmt::print("{:<46}{:>8}{:>10}\n", "nanoseconds per switch", "best", "slowest");
#if ASYNCIO_ASAN || ASYNCIO_TSAN
    fmt::print("{:<46}  (skipped: sanitizers must hear of every switch)\n", "bare assembly switch");
#else
    row("bare assembly switch", bare_switch<AssemblySwitch>(rounds));
#endif
    Timing const fiber = fiber_switch<AssemblySwitch>(rounds);
    row("BasicFiber resume/yield, assembly", fiber);
    row("  the same through outlined resume/yield", outlined_fiber_switch(rounds));
    row("BasicFiber resume/yield, ucontext", fiber_switch<UcontextSwitch>(rounds / 10 + 1));
    fmt::print("{:<46}{:>8}{:>10}\n", "nanoseconds per lookup of the exception record", "best", "slowest");
    row("  abi::__cxa_get_globals() (chapters 01-11)", nanoseconds_per(rounds, [] { sink = record_from_runtime(); }));
    row("  per-thread cache (chapter 12)", nanoseconds_per(rounds, [] { sink = record_from_cache(); }));
#if WITH_BOOST
    Timing const boost = boost_fiber(rounds);
    row("boost::context::fiber resume", boost);
    fmt::print("BasicFiber / boost.context: {:.2f} (best against best)\n", fiber.best / boost.best);
#else
    fmt::print("(boost.context not measured: see the comment at the top of {} to build it in)\n", __FILE__);
#endif
}
