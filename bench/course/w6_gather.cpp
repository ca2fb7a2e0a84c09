// W6 of the scoreboard (bench/WORKLOADS.md): 100,000 tasks made with create_task, each a
// child that co_awaits sleep(0) once, then one gather of them all. W6-gather: process CPU
// time from the first create_task to the gather's return. W6-bytes-per-task: the peak RSS
// at the end less the RSS before the first create_task, per task.
//
//   w6_gather [--quick]
#include <asyncio/coro.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <bench.hpp>

#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

namespace {

asyncio::Coro<int> child(int i) {
    co_await asyncio::sleep(std::chrono::seconds(0));  // yields to the loop once
    co_return i;
}

struct Sample {
    double cpu = 0;
    long rss_before_kib = 0;
    long long sum = 0;
    std::size_t results = 0;
};

asyncio::Coro<void> gather_all(int n, Sample& sample) {
    sample.rss_before_kib = bench::status_kib("VmRSS");
    double const start = bench::process_cpu_seconds();
    std::vector<asyncio::Task<int>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) tasks.push_back(asyncio::create_task(child(i)));
    auto const results = co_await asyncio::gather(std::move(tasks));
    sample.cpu = bench::process_cpu_seconds() - start;
    sample.results = results.size();
    for (int const value : results) sample.sum += value;
}

}  // namespace

int main(int argc, char** argv) {
    int const n = static_cast<int>(bench::count(100'000, bench::quick(argc, argv)));
    Sample sample;
    asyncio::run(gather_all(n, sample));
    long const peak_kib = bench::status_kib("VmHWM");
    long long const expected = static_cast<long long>(n) * (n - 1) / 2;  // 0 + 1 + ... + n-1
    if (sample.results != static_cast<std::size_t>(n) || sample.sum != expected) {
        std::fprintf(stderr, "w6_gather: %zu results adding up to %lld, expected %d adding up to %lld\n",
                     sample.results, sample.sum, n, expected);
        return 1;
    }
    bench::result(bench::runtime, "W6-gather", sample.cpu);
    bench::result(bench::runtime, "W6-bytes-per-task",
                  static_cast<double>(peak_kib - sample.rss_before_kib) * 1024.0 / static_cast<double>(n));
    return 0;
}
