// w5_bench.cpp: W5 of the course's peer workloads, thread-safe submission into a loop
// that runs in a thread of its own. As the peers' harness does it (its w5_asio posts a
// lambda that sets a std::promise): (1) round trip: submit one job, wait for its result,
// repeat: p50 and p99; (2) throughput: submit every job back to back, then wait for all.
// Each twice: with call_soon_threadsafe and a ConcurrentFuture (what asio's post and a
// promise are), and with run_coroutine_threadsafe (what Python's W5 measures). Best of
// `runs` runs, the spread printed. Usage: ch10_w5_bench [jobs=200000] [runs=3]. Chapter 10.
// course-bench: 200000 3
#include <asyncio/concurrent_future.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/threadsafe.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point start) { return std::chrono::duration<double, std::micro>(Clock::now() - start).count(); }

asyncio::Coro<long> job(long x) { co_return x + 1; }

// region: submit
// One job through call_soon_threadsafe: the loop's thread sets the future's value.
asyncio::ConcurrentFuture<long> submit(asyncio::EventLoop& loop, long x) {
    asyncio::ConcurrentFuture<long> result(&loop);
    loop.call_soon_threadsafe([result, x]() mutable { result.set_result(x + 1); });
    return result;
}
// endregion

struct Figures {
    double p50 = 0, p99 = 0, per_second = 0;
};

template <class Submit>
Figures measure(long n, Submit submit_one) {
    Figures figures;
    std::vector<double> latencies;
    latencies.reserve(n);
    long sum = 0;
    for (long i = 0; i < n / 10; ++i) sum += submit_one(i).result();  // warm-up
    for (long i = 0; i < n; ++i) {
        auto const start = Clock::now();
        sum += submit_one(i).result();
        latencies.push_back(us_since(start));
    }
    std::sort(latencies.begin(), latencies.end());
    figures.p50 = latencies[latencies.size() / 2];
    figures.p99 = latencies[latencies.size() * 99 / 100];
    std::vector<asyncio::ConcurrentFuture<long>> futures;
    futures.reserve(n);
    auto const start = Clock::now();
    for (long i = 0; i < n; ++i) futures.push_back(submit_one(i));
    for (auto& future : futures) sum += future.result();
    figures.per_second = static_cast<double>(n) / (us_since(start) * 1e-6);
    if (sum == 42) fmt::print(" ");  // keeps the work observable
    return figures;
}

std::string spread(std::vector<double> values, char const* format, bool higher_is_better) {
    std::sort(values.begin(), values.end());
    double const best = higher_is_better ? values.back() : values.front();
    return fmt::format(fmt::runtime(std::string("best ") + format + " (runs: " + format + " .. " + format + ")"), best,
                       values.front(), values.back());
}

}  // namespace

int main(int argc, char** argv) {
    long const n = argc > 1 ? std::atol(argv[1]) : 200'000;
    int const runs = argc > 2 ? std::atoi(argv[2]) : 3;
    if (n < 100 || runs < 1) {
        fmt::print(stderr, "usage: ch10_w5_bench [jobs >= 100] [runs >= 1]\n");
        return 2;
    }
    asyncio::EventLoop loop;
    std::atomic<bool> started{false};
    loop.call_soon([&] { started = true; });
    std::thread runner([&] { loop.run_forever(); });
    while (!started) std::this_thread::yield();

    struct Kind {
        char const* name;
        std::vector<double> p50, p99, per_second;
    };
    Kind plain{"call_soon_threadsafe + ConcurrentFuture", {}, {}, {}};
    Kind coroutine{"run_coroutine_threadsafe", {}, {}, {}};
    for (int r = 0; r < runs; ++r) {
        Figures f = measure(n, [&](long x) { return submit(loop, x); });
        plain.p50.push_back(f.p50), plain.p99.push_back(f.p99), plain.per_second.push_back(f.per_second);
        f = measure(n, [&](long x) { return asyncio::run_coroutine_threadsafe(job(x), loop); });
        coroutine.p50.push_back(f.p50), coroutine.p99.push_back(f.p99), coroutine.per_second.push_back(f.per_second);
    }
    loop.call_soon_threadsafe([&] { loop.stop(); });
    runner.join();
    loop.close();

    fmt::print("W5: {} jobs submitted from the main thread to a loop in another thread, {} runs\n", n, runs);
    for (Kind const* kind : {&plain, &coroutine}) {
        fmt::print("{}\n", kind->name);
        fmt::print("  round trip p50  {} us\n", spread(kind->p50, "{:.1f}", false));
        fmt::print("  round trip p99  {} us\n", spread(kind->p99, "{:.1f}", false));
        fmt::print("  throughput      {} jobs/s\n", spread(kind->per_second, "{:.0f}", true));
    }
    fmt::print("wake-up writes to the loop's fd: {} for {} submissions (coalesced)\n", loop.wakeup_writes(),
               static_cast<long>(runs) * 2 * (n / 10 + 2 * n));
}
