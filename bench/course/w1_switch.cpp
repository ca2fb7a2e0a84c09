// W1 of the scoreboard (bench/WORKLOADS.md): one transfer of control, in nanoseconds of
// thread CPU time, after a 10 % warm-up. Rows: <runtime>-fiber (chapter 02's BasicFiber on
// the assembly switch, resume + yield), and, in the "course" build only, course-switch (the
// bare assembly switch), course-ucontext (glibc swapcontext through chapter 02's
// UcontextSwitch) and course-coro (a C++20 resume() + co_await std::suspend_always).
// Those three are the same code in chapter 11's build and chapter 12's, so only one build
// reports them; the course-simple build reports course-simple-fiber alone.
//
//   w1_switch [--quick]      a round trip is two switches; the figure is time / (2 x trips)
#include <asyncio/assembly_switch.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/ucontext_switch.hpp>

#include <bench.hpp>

#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

// Runs `trip` warm-up times untimed, then `trips` times timed: nanoseconds per switch.
template <class Trip>
double ns_per_switch(long trips, Trip&& trip) {
    for (long i = 0; i < trips / 10; ++i) trip();
    double const start = bench::thread_cpu_seconds();
    for (long i = 0; i < trips; ++i) trip();
    return (bench::thread_cpu_seconds() - start) * 1e9 / (2.0 * static_cast<double>(trips));
}

// Exits non-zero when the other side did not run as often as it was resumed.
void check(char const* what, long ran, long expected) {
    if (ran == expected) return;
    std::fprintf(stderr, "w1_switch: %s ran %ld times, expected %ld\n", what, ran, expected);
    std::exit(1);
}

long warmed(long trips) {
    return trips + trips / 10;
}

// The bare switch: two contexts bouncing control, nothing around the switch.
template <class Switch>
struct Bounce {
    typename Switch::Context main, side;
    long trips = 0;
    static void entry(void* self) noexcept {
        auto* const bounce = static_cast<Bounce*>(self);
        for (;;) {
            ++bounce->trips;
            Switch::swap(bounce->side, bounce->main);
        }
    }
};

template <class Switch>
double bare_switch(long trips) {
    asyncio::FiberStack stack(64 * 1024);
    Bounce<Switch> bounce;
    Switch::prepare(bounce.side, stack, &Bounce<Switch>::entry, &bounce);
    double const ns = ns_per_switch(trips, [&] { Switch::swap(bounce.main, bounce.side); });
    check(Switch::name, bounce.trips, warmed(trips));
    // The side stays suspended in its loop when `stack` is freed: nothing on it needs destroying.
    return ns;
}

double fiber_switch(long trips) {
    using Fiber = asyncio::BasicFiber<asyncio::AssemblySwitch>;
    long yields = 0;
    bool measuring = true;
    Fiber fiber([&] {
        while (measuring) {
            ++yields;
            Fiber::yield();
        }
    });
    double const ns = ns_per_switch(trips, [&] { fiber.resume(); });
    measuring = false;
    fiber.resume();  // lets the body return
    check("BasicFiber", yields, warmed(trips));
    if (!fiber.done()) check("BasicFiber (finished)", 0, 1);
    return ns;
}

// The smallest coroutine that can be resumed again and again: resume() enters the frame,
// co_await std::suspend_always leaves it. One resume is two transfers of control.
struct Spinner {
    struct promise_type {
        Spinner get_return_object() { return Spinner{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() noexcept { std::terminate(); }
    };
    explicit Spinner(std::coroutine_handle<promise_type> h) : handle(h) {}
    Spinner(Spinner const&) = delete;
    Spinner& operator=(Spinner const&) = delete;
    ~Spinner() { handle.destroy(); }
    std::coroutine_handle<promise_type> handle;
};

// noinline: the loop in main must call into a frame it knows nothing about.
[[gnu::noinline]] Spinner spin(long& resumes) {
    for (;;) {
        ++resumes;
        co_await std::suspend_always{};
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool const quick = bench::quick(argc, argv);
    std::string const runtime = bench::runtime;
    bench::result(runtime + "-fiber", "W1-switch", fiber_switch(bench::count(10'000'000, quick)));
    if (runtime != "course") {
        std::fprintf(stderr, "w1_switch: the bare switch, ucontext and coroutine rows are the course build's\n");
        return 0;
    }
#if ASYNCIO_ASAN || ASYNCIO_TSAN
    std::fprintf(stderr, "w1_switch: bare switches skipped (sanitizers must hear of every switch)\n");
#else
    bench::result("course-switch", "W1-switch", bare_switch<asyncio::AssemblySwitch>(bench::count(20'000'000, quick)));
    bench::result("course-ucontext", "W1-switch", bare_switch<asyncio::UcontextSwitch>(bench::count(2'000'000, quick)));
#endif
    long resumes = 0;
    Spinner spinner = spin(resumes);
    long const trips = bench::count(50'000'000, quick);
    bench::result("course-coro", "W1-switch", ns_per_switch(trips, [&] { spinner.handle.resume(); }));
    check("the coroutine", resumes, warmed(trips));
    return 0;
}
