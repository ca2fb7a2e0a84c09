// W3 of the scoreboard (bench/WORKLOADS.md): 200,000 timers with call_later at whole
// milliseconds 0..999 (the shared LCG, bench::timer_deadlines_ms), every odd-indexed one
// cancelled once all are created; the loop runs until the other 100,000 have fired.
// W3-setup: wall time to create and cancel; W3-wall: from the first create to the last
// fire; W3-cpu: process CPU time over that span.
//
//   w3_timers [--quick]
#include <asyncio/event_loop.hpp>

#include <bench.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    bool const quick = bench::quick(argc, argv);
    std::vector<int> const deadlines = bench::timer_deadlines_ms(bench::count(200'000, quick));
    long const expected = static_cast<long>(deadlines.size() + 1) / 2;  // the even-indexed ones

    asyncio::EventLoop loop;
    std::vector<asyncio::TimerHandle> timers;
    timers.reserve(deadlines.size());
    // What the callbacks share, reached through one pointer: a capture of 16 bytes fits
    // inside a std::function (libstdc++), so the callback itself allocates nothing.
    struct Count {
        asyncio::EventLoop& loop;
        long expected;
        long fired = 0, fired_cancelled = 0;
        double last_fire = 0;
    } count{loop, expected};

    double const cpu0 = bench::process_cpu_seconds();
    double const wall0 = bench::wall_seconds();
    for (std::size_t i = 0; i < deadlines.size(); ++i)
        timers.push_back(loop.call_later(std::chrono::milliseconds(deadlines[i]), [c = &count, odd = i % 2 == 1] {
            if (odd) ++c->fired_cancelled;  // cancelled, so never called
            if (++c->fired == c->expected) {
                c->last_fire = bench::wall_seconds();
                c->loop.stop();
            }
        }));
    for (std::size_t i = 1; i < timers.size(); i += 2) timers[i].cancel();
    double const setup = bench::wall_seconds() - wall0;
    loop.run_forever();
    double const cpu = bench::process_cpu_seconds() - cpu0;

    // The loop stops at the end of the iteration that fired the last one.
    if (count.fired != expected || count.fired_cancelled != 0) {
        std::fprintf(stderr, "w3_timers: %ld timers fired (%ld of them cancelled), expected %ld and none cancelled\n",
                     count.fired, count.fired_cancelled, expected);
        return 1;
    }
    bench::result(bench::runtime, "W3-setup", setup);
    bench::result(bench::runtime, "W3-wall", count.last_fire - wall0);
    bench::result(bench::runtime, "W3-cpu", cpu);
    return 0;
}
