// await_cost.cpp: what a co_await of a Coro costs, next to a plain function call, and
// what a trip through the ManualScheduler's queue costs. Build optimised (the default
// build is) and run it a few times: the numbers move by a few percent. Chapter 04.
//
//   ch04_await_cost [N]     N operations per measurement (default 10000000)
#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/manual_scheduler.hpp>
#include <asyncio/sync_wait.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>

namespace {

using Clock = std::chrono::steady_clock;

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

template <class F>
double nanoseconds_each(long count, F&& work) {
    auto const start = Clock::now();
    long const result = work();
    auto const elapsed = Clock::now() - start;
    // Use the result, so the compiler cannot drop the work.
    if (result < 0) std::abort();
    return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(count);
}

}  // namespace

int main(int argc, char** argv) {
    long const count = argc > 1 ? std::atol(argv[1]) : 10'000'000;
    if (count <= 0) {
        fmt::print(stderr, "usage: {} [N]   (N > 0)\n", argv[0]);
        return 2;
    }
    fmt::print("{} operations each:\n", count);

    double const call = nanoseconds_each(count, [&] { return call_many(count); });
    fmt::print("  plain function call                    {:7.2f} ns\n", call);

    double const await = nanoseconds_each(count, [&] { return asyncio::sync_wait(await_many(count)); });
    fmt::print("  co_await of a Coro that returns at once {:6.2f} ns   (frame of {} bytes)\n", await,
               asyncio::frame_stats().last_size.load());

    double const create = nanoseconds_each(count, [&] { return create_many(count); });
    fmt::print("  create and destroy a Coro, unawaited   {:7.2f} ns\n", create);

    double const yield = nanoseconds_each(2 * count, [&] {
        asyncio::ManualScheduler scheduler;
        scheduler.spawn(yield_many(count));
        scheduler.spawn(yield_many(count));
        scheduler.run();
        return 0L;
    });
    fmt::print("  yield_now, one trip through the queue  {:7.2f} ns\n", yield);
}
