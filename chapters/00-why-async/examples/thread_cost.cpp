// thread_cost.cpp: what one thread costs on this machine: the time to start and join
// it, the stack it reserves, the memory a parked thread really uses, and the time the
// kernel needs to switch from one thread to another. Chapter 00.
// The loops shrink with ASYNCIO_TIME_SCALE so that tests stay quick.
// course-bench:
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <latch>
#include <semaphore>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int scaled_count(int count) { return std::max(10, static_cast<int>(count * asyncio::time_scale())); }

// A field of /proc/self/status such as "VmSize" or "VmRSS", in KiB.
long status_kib(std::string const& field) {
    std::ifstream status("/proc/self/status");
    std::string name;
    long kib = 0;
    while (status >> name) {
        if (name == field + ":") {
            status >> kib;
            return kib;
        }
    }
    return -1;
}

// region: create-join
// Starts and joins `count` threads that do nothing, one at a time: what remains is
// the cost of a thread itself (a clone() system call, a stack mapping, scheduling,
// the exit). The median, because a busy machine makes a few starts very slow.
double start_and_join_seconds(int count) {
    std::vector<double> took;
    for (int i = 0; i < count; ++i) {
        auto const start = Clock::now();
        std::thread([] {}).join();
        took.push_back(seconds(Clock::now() - start));
    }
    std::nth_element(took.begin(), took.begin() + count / 2, took.end());
    return took[count / 2];
}
// endregion

// Two threads on one core hand a token back and forth through two semaphores: each
// hand-over puts one thread to sleep in the kernel and wakes the other, one context
// switch. Pinning both to one core makes the switch happen on that core.
double switch_seconds(int round_trips) {
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    int cpu = 0;
    while (!CPU_ISSET(cpu, &allowed)) ++cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        throw std::system_error(errno, std::generic_category(), "sched_setaffinity");

    std::binary_semaphore ping{0}, pong{0};
    std::thread partner([&] {
        for (int i = 0; i < round_trips; ++i) {
            ping.acquire();
            pong.release();
        }
    });
    auto const start = Clock::now();
    for (int i = 0; i < round_trips; ++i) {
        ping.release();
        pong.acquire();
    }
    double const took = seconds(Clock::now() - start);
    partner.join();
    sched_setaffinity(0, sizeof allowed, &allowed);  // as it was
    return took / (2.0 * round_trips);
}

int main() try {
    pthread_attr_t attr;
    size_t stack_size = 0;
    pthread_getattr_default_np(&attr);
    pthread_attr_getstacksize(&attr, &stack_size);
    pthread_attr_destroy(&attr);
    fmt::print("default thread stack (ulimit -s):        {} KiB of address space\n", stack_size / 1024);

    // Park many threads on a latch and see what the process grew by. This comes first:
    // glibc keeps the stacks of finished threads for reuse, which would hide the growth.
    int const parked = std::min(200, scaled_count(200));
    long const size_before = status_kib("VmSize"), rss_before = status_kib("VmRSS");
    std::latch release(1);
    std::latch all_started(parked);
    std::vector<std::jthread> threads;
    for (int i = 0; i < parked; ++i)
        threads.emplace_back([&] {
            all_started.count_down();
            release.wait();
        });
    all_started.wait();
    long const size_after = status_kib("VmSize"), rss_after = status_kib("VmRSS");
    release.count_down();
    threads.clear();  // joins them all
    fmt::print("one parked thread, address space:        {:.0f} KiB\n",
               static_cast<double>(size_after - size_before) / parked);
    fmt::print("one parked thread, resident memory:      {:.0f} KiB (mean of {})\n",
               static_cast<double>(rss_after - rss_before) / parked, parked);

    int const starts = scaled_count(20000);
    fmt::print("start + join one thread:                 {:.1f} us (median of {})\n",
               start_and_join_seconds(starts) * 1e6, starts);

    int const trips = scaled_count(100000);
    fmt::print("switch between two threads on one core:  {:.2f} us (mean of {})\n", switch_seconds(trips) * 1e6,
               2 * trips);
} catch (std::exception const& error) {
    // e.g. a bad ASYNCIO_TIME_SCALE
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
