// loop_w2.cpp: the scoreboard's W2 (bench/WORKLOADS.md) on this build's loop, with the
// spread: N call_soon of a no-op queued from inside the loop and then all run ("flat"),
// and a chain of N callbacks each scheduling the next ("chain", queue depth 1). Thread
// CPU time, best of R runs beside the slowest (chapter 02's method). Chapter 12.
//
//   ch12_loop_w2 [N] [R]     N callbacks per run (default 1000000), R runs (default 5)
//
// It uses only what chapter 11's loop has too, so the same file, compiled against
// chapter 11's build, gives the "before" column of the lesson (README.md has the command).
// course-bench:
#include <asyncio/event_loop.hpp>

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"); 0 where there is none.
long status_kib(char const* field) {
    std::ifstream in("/proc/self/status");
    std::string const prefix = std::string(field) + ":";
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
    return 0;
}

// region: flat
// One callback queues all n no-ops, then a last one that stops the loop: they all run in
// the next iteration. Timed from the first call_soon to the end of the run.
double flat_ns(long n) {
    asyncio::EventLoop loop;
    long done = 0;
    double start = 0;
    loop.call_soon([&] {
        start = thread_cpu_seconds();
        for (long i = 0; i < n; ++i) loop.call_soon([&done] { ++done; });
        loop.call_soon([&loop] { loop.stop(); });
    });
    loop.run_forever();
    double const ns = (thread_cpu_seconds() - start) * 1e9;
    if (done != n) {
        fmt::print(stderr, "flat: {} of {} callbacks ran\n", done, n);
        std::exit(1);
    }
    return ns / static_cast<double>(n);
}
// endregion

// region: chain
// Each callback schedules the next: one callback per iteration, so the loop's own work
// per iteration (and the selector's, if it is asked every time) is all there is.
struct Chain {
    asyncio::EventLoop* loop;
    long* left;
    void operator()() const {
        if (--*left > 0)
            loop->call_soon(*this);
        else
            loop->stop();
    }
};

double chain_ns(long n) {
    asyncio::EventLoop loop;
    long left = n;
    loop.call_soon(Chain{&loop, &left});
    double const start = thread_cpu_seconds();
    loop.run_forever();
    double const ns = (thread_cpu_seconds() - start) * 1e9;
    if (left != 0) {
        fmt::print(stderr, "chain: {} callbacks did not run\n", left);
        std::exit(1);
    }
    return ns / static_cast<double>(n);
}
// endregion

struct Timing {
    double best = 1e300, slowest = 0;
    void add(double ns) {
        best = std::min(best, ns);
        slowest = std::max(slowest, ns);
    }
};

}  // namespace

int main(int argc, char** argv) {
    long const n = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    int const runs = argc > 2 ? std::atoi(argv[2]) : 5;
    if (n < 1 || runs < 1) {
        fmt::print(stderr, "usage: {} [N >= 1] [RUNS >= 1]\n", argv[0]);
        return 64;
    }
    // The first flat run is the scoreboard's W2-flat-rss: the peak growth of a fresh process.
    long const rss_before = status_kib("VmRSS");
    Timing flat, chain;
    flat.add(flat_ns(n));
    long const rss_growth = status_kib("VmHWM") - rss_before;
    for (int run = 1; run < runs; ++run) flat.add(flat_ns(n));
    for (int run = 0; run < runs; ++run) chain.add(chain_ns(n));

    fmt::print("{} callbacks per run, thread CPU time, {} runs\n", n, runs);
    fmt::print("{:>6} {:>17} {:>17}\n", "", "ns per callback", "M callbacks/s");
    fmt::print("{:>6} {:>8} {:>8} {:>8} {:>8}\n", "", "best", "slowest", "best", "slowest");
    for (auto const& [name, t] : {std::pair{"flat", flat}, std::pair{"chain", chain}})
        fmt::print("{:>6} {:>8.1f} {:>8.1f} {:>8.2f} {:>8.2f}\n", name, t.best, t.slowest, 1e3 / t.best,
                   1e3 / t.slowest);
    fmt::print("flat: peak memory growth {:.1f} MiB ({:.0f} bytes per queued callback)\n", rss_growth / 1024.0,
               rss_growth * 1024.0 / static_cast<double>(n));
}
