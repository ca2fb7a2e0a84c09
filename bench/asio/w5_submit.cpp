// W5 on asio (bench/WORKLOADS.md): an io_context{1} kept running by a work guard in its
// own thread; "submit" is asio::post of a handler that sets a std::promise (the job:
// return x + 1), and the submitter waits on the promise's future.
//  - W5-tput: 4 threads submit 50,000 jobs each, then wait for every result: jobs per
//    second of wall time from the start of the submissions to the last result.
//  - W5-p50, W5-p99: one thread submits one job and waits for its result, 20,000 times
//    after 2,000 untimed (10 %): median and 99th percentile round trip in µs (wall time).
//
//   w5_submit [--quick]     prints: result asio W5-tput JOBS_PER_S, result asio W5-p50|W5-p99 MICROSECONDS
#include <bench.hpp>

#include <asio.hpp>

#include <atomic>
#include <cstdio>
#include <future>
#include <thread>
#include <vector>

namespace {

// One job: posted to the loop, which sets the result; the caller gets the future.
std::future<long> submit(asio::io_context& io, long x) {
    std::promise<long> promise;
    std::future<long> result = promise.get_future();
    asio::post(io, [promise = std::move(promise), x]() mutable { promise.set_value(x + 1); });
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    bool const is_quick = bench::quick(argc, argv);
    int const submitters = 4;
    long const per_submitter = bench::count(50'000, is_quick);
    long const round_trips = bench::count(20'000, is_quick);
    long const warm_up = round_trips / 10;

    asio::io_context io{1};
    auto guard = asio::make_work_guard(io);
    std::thread loop_thread{[&] { io.run(); }};

    // Throughput: the submitters start together, each keeps its futures and then waits on them.
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<long> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < submitters; ++t) {
        threads.emplace_back([&, t] {
            std::vector<std::future<long>> results;
            results.reserve(static_cast<std::size_t>(per_submitter));
            ready.fetch_add(1);
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            long const base = static_cast<long>(t) * per_submitter;
            for (long i = 0; i < per_submitter; ++i) results.push_back(submit(io, base + i));
            for (long i = 0; i < per_submitter; ++i)
                if (results[static_cast<std::size_t>(i)].get() != base + i + 1) wrong.fetch_add(1);
        });
    }
    while (ready.load() < submitters) std::this_thread::yield();
    double const tput_start = bench::wall_seconds();
    go.store(true, std::memory_order_release);
    for (auto& thread : threads) thread.join();
    double const tput_wall = bench::wall_seconds() - tput_start;

    // Latency: one job at a time from this thread.
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(round_trips));
    for (long i = 0; i < warm_up + round_trips; ++i) {
        double const start = bench::wall_seconds();
        long const got = submit(io, i).get();
        double const elapsed = bench::wall_seconds() - start;
        if (got != i + 1) wrong.fetch_add(1);
        if (i >= warm_up) samples.push_back(elapsed * 1e6);
    }

    guard.reset();
    loop_thread.join();
    if (wrong.load() != 0) {
        std::fprintf(stderr, "w5_submit: %ld jobs returned a wrong result\n", wrong.load());
        return 1;
    }
    long const jobs = submitters * per_submitter;
    std::fprintf(stderr, "w5_submit: %ld jobs from %d threads in %.3f s; %zu round trips timed\n", jobs, submitters,
                 tput_wall, samples.size());
    bench::result(bench::runtime, "W5-tput", static_cast<double>(jobs) / tput_wall);
    bench::result(bench::runtime, "W5-p50", bench::quantile(samples, 0.50));
    bench::result(bench::runtime, "W5-p99", bench::quantile(samples, 0.99));
    return 0;
}
