// loop_interval.cpp: the trade-off of io_interval. For each interval N: the cost of a
// callback in W2's chain (one callback per iteration, so the selector's cost is all
// there, or not), how many selector calls a million callbacks made, and how many
// iterations a pipe that became ready had to wait for its reader at worst (counted,
// not timed: the same on every machine). Thread CPU time, best of R runs. Chapter 12.
//
//   ch12_loop_interval [N] [R]   N callbacks per run (default 1000000), R runs (default 3)
// course-bench:
#include <asyncio/default_selector.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/pipe.hpp>

#include <fmt/core.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

namespace {

double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Counts the selector's calls.
class CountingSelector : public asyncio::selectors::DefaultSelector {
public:
    std::vector<asyncio::selectors::ReadyKey> select(asyncio::selectors::Timeout timeout) override {
        ++calls;
        return asyncio::selectors::DefaultSelector::select(timeout);
    }
    long calls = 0;
};

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

struct ChainRun {
    double ns = 0;
    long polls = 0;
};

// region: chain
ChainRun chain(unsigned interval, long n) {
    auto selector = std::make_unique<CountingSelector>();
    CountingSelector& counted = *selector;
    asyncio::EventLoop loop(std::move(selector));
    loop.set_io_interval(interval);
    long left = n;
    loop.call_soon(Chain{&loop, &left});
    double const start = thread_cpu_seconds();
    loop.run_forever();
    return {(thread_cpu_seconds() - start) * 1e9 / static_cast<double>(n), counted.calls};
}
// endregion

// region: worst-wait
// The most iterations a pipe's reader waits, over writes in every iteration of a window
// that starts once the loop has relaxed: a callback is always ready meanwhile.
std::uint64_t worst_wait(unsigned interval) {
    std::uint64_t worst = 0;
    std::uint64_t const first = asyncio::EventLoop::eager_polls;
    for (std::uint64_t write_at = first; write_at < first + 2 * interval; ++write_at) {
        asyncio::EventLoop loop;
        loop.set_io_interval(interval);
        auto pipe = asyncio::make_pipe();
        std::uint64_t read_at = 0;
        loop.add_reader(pipe.read_end.get(), [&] {
            char byte;
            (void)::read(pipe.read_end.get(), &byte, 1);
            read_at = loop.iteration();
            loop.stop();
        });
        struct Spin {
            asyncio::EventLoop* loop;
            std::uint64_t write_at;
            int fd;
            void operator()() const {
                if (loop->iteration() == write_at) (void)::write(fd, "x", 1);
                loop->call_soon(*this);
            }
        };
        loop.call_soon(Spin{&loop, write_at, pipe.write_end.get()});
        loop.run_forever();
        loop.remove_reader(pipe.read_end.get());
        worst = std::max(worst, read_at - write_at);
    }
    return worst;
}
// endregion

}  // namespace

int main(int argc, char** argv) {
    long const n = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    int const runs = argc > 2 ? std::atoi(argv[2]) : 3;
    if (n < 1 || runs < 1) {
        fmt::print(stderr, "usage: {} [N >= 1] [RUNS >= 1]\n", argv[0]);
        return 64;
    }
    fmt::print("chain of {} callbacks, thread CPU time, best of {} runs\n", n, runs);
    fmt::print("{:>11} {:>17} {:>16} {:>26}\n", "io_interval", "ns per callback", "selector calls",
               "worst wait of a ready fd");
    for (unsigned const interval : {1u, 2u, 4u, 8u, 16u, 61u, 256u}) {
        ChainRun best{1e300, 0};
        double slowest = 0;
        for (int run = 0; run < runs; ++run) {
            ChainRun const result = chain(interval, n);
            if (result.ns < best.ns) best = result;
            slowest = std::max(slowest, result.ns);
        }
        fmt::print("{:>11} {:>8.1f} ({:>6.1f}) {:>16} {:>15} iterations\n", interval, best.ns, slowest, best.polls,
                   worst_wait(interval));
    }
    fmt::print("(in parentheses: the slowest run)\n");
}
