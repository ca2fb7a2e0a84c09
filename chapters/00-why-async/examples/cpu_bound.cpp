// cpu_bound.cpp: the other half of "concurrency vs parallelism". Two jobs that only
// compute (no waiting) finish sooner with threads only if the threads get more than
// one core: on a single core they merely take turns. Chapter 00.
// The work shrinks with ASYNCIO_TIME_SCALE like every lesson program's waits.
// course-bench:
#include <asyncio/run_in_threads.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// region: busy
// Pure computation: a xorshift random-number walk. Each step needs the previous
// one's result, so the compiler cannot skip or vectorise it; returning the final
// value keeps the loop from being optimised away, and a different seed per job keeps
// the compiler from computing two identical calls once.
std::uint64_t busy_work(std::uint64_t seed, std::uint64_t rounds) {
    std::uint64_t x = seed | 1;  // xorshift must not start at 0
    for (std::uint64_t i = 0; i < rounds; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}
// endregion

// CPU time of this thread: what the computation itself takes, even when the thread has
// to wait for a core because other programs keep the machine busy.
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double cpu_seconds_of(std::uint64_t rounds) {
    double const start = thread_cpu_seconds();
    volatile std::uint64_t sink = busy_work(rounds, rounds);
    (void)sink;
    return thread_cpu_seconds() - start;
}

// How many rounds take `target` of CPU time on this machine, in this build: rounds
// doubled until a run takes a fifth of the target, then the fastest of 5 runs of that
// many (a run that was interrupted or slowed by another program only takes longer).
std::uint64_t calibrate(double target) {
    std::uint64_t rounds = 1 << 16;
    while (cpu_seconds_of(rounds) < target / 5) rounds *= 2;
    double best = 1e300;
    for (int run = 0; run < 5; ++run) best = std::min(best, cpu_seconds_of(rounds));
    return static_cast<std::uint64_t>(static_cast<double>(rounds) * target / best);
}

double two_jobs_with_threads(std::uint64_t rounds) {
    std::vector<std::function<std::uint64_t()>> jobs;
    for (std::uint64_t seed : {1, 2}) jobs.push_back([seed, rounds] { return busy_work(seed, rounds); });
    auto const start = Clock::now();
    asyncio::run_in_threads(std::move(jobs));
    return seconds(Clock::now() - start);
}

int main() try {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
    int const cores = CPU_COUNT(&allowed);

    double const target = seconds(asyncio::scaled(500ms));
    std::uint64_t const rounds = calibrate(target);
    fmt::print("Two CPU-bound jobs of about {:.2f} s each (no waiting, only computing):\n", target);

    auto start = Clock::now();
    double const cpu_start = thread_cpu_seconds();
    volatile std::uint64_t sink = busy_work(1, rounds);
    double const first_job = thread_cpu_seconds() - cpu_start;
    sink = sink + busy_work(2, rounds);
    double const sequential = seconds(Clock::now() - start);
    fmt::print("  {:<38}{:6.2f} s\n", "one after another, on 1 thread", sequential);

    double const parallel = two_jobs_with_threads(rounds);
    fmt::print("  {:<38}{:6.2f} s   parallel if there are 2 cores\n",
               fmt::format("one thread each, {} core{} allowed", cores, cores == 1 ? "" : "s"), parallel);

    // Pin the whole process to one of its CPUs; the threads started next inherit it.
    int cpu = 0;
    while (!CPU_ISSET(cpu, &allowed)) ++cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        throw std::system_error(errno, std::generic_category(), "sched_setaffinity");
    double const one_core = two_jobs_with_threads(rounds);
    fmt::print("  {:<38}{:6.2f} s   concurrent, not parallel: they take turns\n", "one thread each, pinned to 1 core",
               one_core);
    if (cores < 2) fmt::print("(This process may use only one core, so threads cannot run in parallel here.)\n");
    fmt::print("(wall time; one job measured {:.2f} s of CPU time when run alone, calibrated as the best of 5 runs)\n",
               first_job);
} catch (std::exception const& error) {
    // e.g. NotImplementedError from an unfinished exercise step, or a bad ASYNCIO_TIME_SCALE
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
