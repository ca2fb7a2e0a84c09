// threads.cpp: the running example with one thread per job, through the chapter's
// exercise asyncio::run_in_threads. Chapter 00. Expect about 3 s at ASYNCIO_TIME_SCALE=1:
// both downloads wait at the same time (2 s), then both processing steps (1 s).
// course-bench:
#include <asyncio/run_in_threads.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The same blocking jobs as in sequential.cpp. fmt::print writes each line with one
// call, and stdio locks the stream for that call, so lines from two threads never mix.
std::string fetch_data(std::string const& url) {
    fmt::print("Fetching data from {}\n", url);
    std::this_thread::sleep_for(asyncio::scaled(2s));
    return fmt::format("Data from {}", url);
}

std::string process_data(std::string const& data) {
    fmt::print("Processing data: {}\n", data);
    std::this_thread::sleep_for(asyncio::scaled(1s));
    return fmt::format("Processed data: {}", data);
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int main() try {
    auto const start = Clock::now();
    // region: main
    std::vector<std::function<std::string()>> fetches;
    for (std::string url : {"http://example.com", "http://example.org"})
        fetches.push_back([url] { return fetch_data(url); });
    // Both downloads wait at the same time, each on its own thread: about 2 s, not 4.
    std::vector<std::string> results = asyncio::run_in_threads(std::move(fetches));
    auto const fetched = Clock::now();

    std::vector<std::function<std::string()>> steps;
    for (std::string const& data : results)
        steps.push_back([data] { return process_data(data); });
    // The processing steps too: about 1 s more, not 2.
    std::vector<std::string> processed = asyncio::run_in_threads(std::move(steps));
    // endregion
    auto const end = Clock::now();

    for (std::string const& line : processed) fmt::print("Result: {}\n", line);
    fmt::print("took {:.2f} s: fetching {:.2f} s, processing {:.2f} s", seconds(end - start),
               seconds(fetched - start), seconds(end - fetched));
    if (asyncio::time_scale() != 1) fmt::print(" (ASYNCIO_TIME_SCALE={})", asyncio::time_scale());
    fmt::print("\n");
} catch (std::exception const& error) {
    // e.g. NotImplementedError from an unfinished exercise step, or a bad ASYNCIO_TIME_SCALE
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
