// await_cost.cpp: what a co_await of a Coro costs, next to a plain function call, and
// what a trip through the ManualScheduler's queue costs. Build optimised (the default
// build is). Each figure is the best of 5 runs in thread CPU time, printed beside the
// slowest run, so a busy machine shows as spread, not as a different cost. Chapter 04.
//
//   ch04_await_cost [N]     N operations per run (default 10000000)
// course-bench:
#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/manual_scheduler.hpp>
#include <asyncio/sync_wait.hpp>

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>

namespace {

// region: measured
// The cheapest possible coroutine: it allocates a frame, finishes at once, and hands
// back a value. Awaiting it costs: allocate + start (symmetric transfer in) + return
// (symmetric transfer out) + take the result + free the frame.
asyncio::Coro<long> one(long i) {
    co_return i & 1;
}

asyncio::Coro<long> await_many(long count) {
    long total = 0;
    for (long i = 0; i < count; ++i) total += co_await one(i);
    co_return total;
}

// The same work as a plain function call. Called through a volatile pointer, so the
// compiler can neither inline it nor work out the loop's result in advance.
long plain_one(long i) {
    return i & 1;
}
long (*volatile plain_target)(long) = plain_one;

long call_many(long count) {
    long total = 0;
    for (long i = 0; i < count; ++i) total += plain_target(i);
    return total;
}

// Creating a Coro and destroying it unawaited: the frame's allocation and nothing else.
long create_many(long count) {
    long made = 0;
    for (long i = 0; i < count; ++i) {
        asyncio::Coro<long> unused = one(i);
        made += !unused.done();
    }
    return made;
}

// Two coroutines taking turns: each yield_now is one trip through the queue.
asyncio::Coro<void> yield_many(long count) {
    for (long i = 0; i < count; ++i) co_await asyncio::yield_now();
}
// endregion

// CPU time of this thread, not wall-clock time: on a busy machine the thread may wait
// for a core, and that is not the cost of a co_await (chapter 02's method).
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Timing {
    double best = 1e300, slowest = 0;
};

// Nanoseconds per operation of `work` (which does `count` of them), in five runs.
template <class F>
Timing nanoseconds_each(long count, F&& work) {
    Timing timing;
    for (int run = 0; run < 5; ++run) {
        double const start = thread_cpu_seconds();
        long const result = work();
        double const ns = (thread_cpu_seconds() - start) * 1e9 / static_cast<double>(count);
        // Use the result, so the compiler cannot drop the work.
        if (result < 0) std::abort();
        timing.best = std::min(timing.best, ns);
        timing.slowest = std::max(timing.slowest, ns);
    }
    return timing;
}

void print_row(char const* what, Timing const& timing, char const* note = "") {
    fmt::print("  {:<40}{:>7.2f} ns{:>8.2f} ns{}\n", what, timing.best, timing.slowest, note);
}

}  // namespace

int main(int argc, char** argv) {
    long const count = argc > 1 ? std::atol(argv[1]) : 10'000'000;
    if (count <= 0) {
        fmt::print(stderr, "usage: {} [N]   (N > 0)\n", argv[0]);
        return 2;
    }
    fmt::print("{} operations each, thread CPU time, 5 runs:\n", count);
    fmt::print("  {:<40}{:>10}{:>11}\n", "", "best", "slowest");

    print_row("plain function call", nanoseconds_each(count, [&] { return call_many(count); }));

    Timing const await = nanoseconds_each(count, [&] { return asyncio::sync_wait(await_many(count)); });
    print_row("co_await of a Coro that returns at once", await,
              fmt::format("   (frame of {} bytes)", asyncio::frame_stats().last_size.load()).c_str());

    print_row("create and destroy a Coro, unawaited", nanoseconds_each(count, [&] { return create_many(count); }));

    Timing const yield = nanoseconds_each(2 * count, [&] {
        asyncio::ManualScheduler scheduler;
        scheduler.spawn(yield_many(count));
        scheduler.spawn(yield_many(count));
        scheduler.run();
        return 0L;
    });
    print_row("yield_now, one trip through the queue", yield);
}
