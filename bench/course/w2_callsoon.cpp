// W2 of the scoreboard (bench/WORKLOADS.md): the loop's cost per callback. W2-flat: one
// callback schedules 1,000,000 no-ops with call_soon (from inside the loop), and they all
// run in the next iteration; thread CPU time from the first call_soon to the last
// callback. W2-flat-rss: the peak RSS growth meanwhile (VmHWM after - VmRSS before).
// W2-chain: 1,000,000 callbacks, each scheduling the next (the queue one deep), so every
// callback is an iteration of its own. Flat runs first, in a fresh process.
//
//   w2_callsoon [--quick]
#include <asyncio/event_loop.hpp>

#include <bench.hpp>

#include <cstdio>
#include <cstdlib>

namespace {

void check(char const* what, long ran, long expected) {
    if (ran == expected) return;
    std::fprintf(stderr, "w2_callsoon: %s ran %ld callbacks, expected %ld\n", what, ran, expected);
    std::exit(1);
}

struct Flat {
    double seconds = 0;
    double rss_mib = 0;
};

Flat flat(long n) {
    asyncio::EventLoop loop;
    long ran = 0;
    long rss_before_kib = 0;
    double start = 0, end = 0;
    loop.call_soon([&] {
        rss_before_kib = bench::status_kib("VmRSS");
        start = bench::thread_cpu_seconds();
        for (long i = 0; i < n; ++i) loop.call_soon([&ran] { ++ran; });
        loop.call_soon([&] {  // after all of them (FIFO)
            end = bench::thread_cpu_seconds();
            loop.stop();
        });
    });
    loop.run_forever();
    long const peak_kib = bench::status_kib("VmHWM");
    check("W2-flat", ran, n);
    return {end - start, static_cast<double>(peak_kib - rss_before_kib) / 1024.0};
}

// Each step schedules the next: the ready queue never holds more than one callback.
struct Chain {
    asyncio::EventLoop* loop;
    long remaining;
    long ran = 0;
    double end = 0;
    void step() {
        ++ran;
        if (--remaining > 0) {
            loop->call_soon([this] { step(); });
        } else {
            end = bench::thread_cpu_seconds();
            loop->stop();
        }
    }
};

double chain(long n) {
    asyncio::EventLoop loop;
    Chain chain{&loop, n};
    double start = 0;
    loop.call_soon([&] {
        start = bench::thread_cpu_seconds();
        chain.step();
    });
    loop.run_forever();
    check("W2-chain", chain.ran, n);
    return chain.end - start;
}

}  // namespace

int main(int argc, char** argv) {
    bool const quick = bench::quick(argc, argv);
    long const n = bench::count(1'000'000, quick);
    Flat const f = flat(n);
    bench::result(bench::runtime, "W2-flat", static_cast<double>(n) / f.seconds);
    bench::result(bench::runtime, "W2-flat-rss", f.rss_mib);
    bench::result(bench::runtime, "W2-chain", static_cast<double>(n) / chain(n));
    return 0;
}
