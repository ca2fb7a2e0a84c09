// W5 of the scoreboard (bench/WORKLOADS.md): thread-safe submission into a loop that runs
// in a thread of its own. A job returns x + 1. Two ways to submit, two pairs of rows:
// <runtime>: call_soon_threadsafe of a callback that completes a ConcurrentFuture (what
// asio's post + std::promise is); <runtime>-rct: run_coroutine_threadsafe(job(x), loop)
// (what Python's W5 measures). For each: W5-p50 and W5-p99, one thread submitting one job
// and waiting for its result, 20,000 times after 2,000 untimed; then W5-tput, 4 threads
// submitting 50,000 jobs each and then waiting for all their results: jobs per second from
// the first submission to the last result.
//
//   w5_submit [--quick]
#include <asyncio/concurrent_future.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/threadsafe.hpp>

#include <bench.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

asyncio::Coro<long> job(long x) {
    co_return x + 1;
}

// call_soon_threadsafe: the loop's thread sets the future's value.
struct Plain {
    asyncio::ConcurrentFuture<long> operator()(asyncio::EventLoop& loop, long x) const {
        asyncio::ConcurrentFuture<long> result(&loop);
        loop.call_soon_threadsafe([result, x]() mutable { result.set_result(x + 1); });
        return result;
    }
};

struct Coroutine {
    asyncio::ConcurrentFuture<long> operator()(asyncio::EventLoop& loop, long x) const {
        return asyncio::run_coroutine_threadsafe(job(x), loop);
    }
};

void check(char const* what, long got, long expected) {
    if (got == expected) return;
    std::fprintf(stderr, "w5_submit: %s: the results add up to %ld, expected %ld\n", what, got, expected);
    std::exit(1);
}

// Round trips from this thread: submit, wait, repeat. Microseconds each.
template <class Submit>
std::vector<double> round_trips(asyncio::EventLoop& loop, long warm_up, long n, Submit submit) {
    long sum = 0;
    for (long i = 0; i < warm_up; ++i) sum += submit(loop, i).result() - i;
    check("warm-up", sum, warm_up);
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(n));
    sum = 0;
    for (long i = 0; i < n; ++i) {
        auto const start = Clock::now();
        long const got = submit(loop, i).result();
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        sum += got - i;
    }
    check("round trips", sum, n);
    return us;
}

// `threads` threads each submit `per_thread` jobs back to back, then wait for all of
// theirs. Jobs per second from the earliest first submission to the latest last result.
template <class Submit>
double throughput(asyncio::EventLoop& loop, int threads, long per_thread, Submit submit) {
    struct Span {
        Clock::time_point first, last;
        long sum = 0;
    };
    std::vector<Span> spans(static_cast<std::size_t>(threads));
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t)
        submitters.emplace_back([&, t] {
            std::vector<asyncio::ConcurrentFuture<long>> futures;
            futures.reserve(static_cast<std::size_t>(per_thread));
            ++ready;
            while (!go.load()) std::this_thread::yield();  // all start together
            Span& span = spans[static_cast<std::size_t>(t)];
            span.first = Clock::now();
            for (long i = 0; i < per_thread; ++i) futures.push_back(submit(loop, i));
            for (long i = 0; i < per_thread; ++i) span.sum += futures[static_cast<std::size_t>(i)].result() - i;
            span.last = Clock::now();
        });
    while (ready.load() < threads) std::this_thread::yield();
    go = true;
    for (auto& thread : submitters) thread.join();
    auto first = spans.front().first, last = spans.front().last;
    for (Span const& span : spans) {
        check("throughput", span.sum, per_thread);
        first = std::min(first, span.first);
        last = std::max(last, span.last);
    }
    return static_cast<double>(threads) * static_cast<double>(per_thread) /
           std::chrono::duration<double>(last - first).count();
}

template <class Submit>
void measure(asyncio::EventLoop& loop, std::string const& row, bool quick, Submit submit) {
    std::vector<double> const us = round_trips(loop, bench::count(2'000, quick), bench::count(20'000, quick), submit);
    bench::result(row, "W5-p50", bench::quantile(us, 0.50));
    bench::result(row, "W5-p99", bench::quantile(us, 0.99));
    bench::result(row, "W5-tput", throughput(loop, 4, bench::count(50'000, quick), submit));
}

}  // namespace

int main(int argc, char** argv) {
    bool const quick = bench::quick(argc, argv);
    asyncio::EventLoop loop;
    std::atomic<bool> started{false};
    loop.call_soon([&] { started = true; });
    std::thread runner([&] { loop.run_forever(); });
    while (!started) std::this_thread::yield();

    std::string const runtime = bench::runtime;
    measure(loop, runtime, quick, Plain{});
    measure(loop, runtime + "-rct", quick, Coroutine{});

    loop.call_soon_threadsafe([&] { loop.stop(); });
    runner.join();
    loop.close();
    return 0;
}
