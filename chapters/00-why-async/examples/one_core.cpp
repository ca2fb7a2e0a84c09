// one_core.cpp: threads.cpp again, but the whole process may use only ONE core.
// Chapter 00. It still takes about 3 s, not 6: the threads spend their time waiting,
// and waiting needs no core. That is concurrency without parallelism.
// course-bench:
#include <asyncio/run_in_threads.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// region: pin
// Restricts this process to one CPU: the first of those it may use now. Threads
// started later inherit the calling thread's CPU mask, so every thread of the running
// example will share that single core. Returns the CPU.
int pin_to_one_cpu() {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
    int cpu = 0;
    while (!CPU_ISSET(cpu, &allowed)) ++cpu;  // the mask is never empty
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        throw std::system_error(errno, std::generic_category(), "sched_setaffinity");
    return cpu;
}
// endregion

int g_cpu = -1;                   // written before any thread starts, then only read
std::atomic<bool> g_strayed{false};  // set if a job ever finds itself on another CPU

void check_cpu() {
    if (sched_getcpu() != g_cpu) g_strayed = true;
}

std::string fetch_data(std::string const& url) {
    check_cpu();
    fmt::print("Fetching data from {}\n", url);
    std::this_thread::sleep_for(asyncio::scaled(2s));
    check_cpu();
    return fmt::format("Data from {}", url);
}

std::string process_data(std::string const& data) {
    check_cpu();
    fmt::print("Processing data: {}\n", data);
    std::this_thread::sleep_for(asyncio::scaled(1s));
    check_cpu();
    return fmt::format("Processed data: {}", data);
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int main() try {
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof allowed, &allowed);
    int const cores_before = CPU_COUNT(&allowed);
    g_cpu = pin_to_one_cpu();
    fmt::print("Pinned to 1 core (CPU {}) of the {} this process could use.\n", g_cpu, cores_before);

    auto const start = Clock::now();
    std::vector<std::function<std::string()>> fetches;
    for (std::string url : {"http://example.com", "http://example.org"})
        fetches.push_back([url] { return fetch_data(url); });
    std::vector<std::string> results = asyncio::run_in_threads(std::move(fetches));
    auto const fetched = Clock::now();

    std::vector<std::function<std::string()>> steps;
    for (std::string const& data : results)
        steps.push_back([data] { return process_data(data); });
    std::vector<std::string> processed = asyncio::run_in_threads(std::move(steps));
    auto const end = Clock::now();

    for (std::string const& line : processed) fmt::print("Result: {}\n", line);
    if (g_strayed)
        fmt::print("Some job ran on another CPU: the pinning did not hold.\n");
    else
        fmt::print("Every job ran on CPU {}.\n", g_cpu);
    fmt::print("took {:.2f} s: fetching {:.2f} s, processing {:.2f} s", seconds(end - start),
               seconds(fetched - start), seconds(end - fetched));
    if (asyncio::time_scale() != 1) fmt::print(" (ASYNCIO_TIME_SCALE={})", asyncio::time_scale());
    fmt::print("\n");
    return g_strayed ? 1 : 0;
} catch (std::exception const& error) {
    // e.g. NotImplementedError from an unfinished exercise step, or a bad ASYNCIO_TIME_SCALE
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
