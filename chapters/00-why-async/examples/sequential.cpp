// sequential.cpp: the running example done the plain way, one blocking step after
// another on a single thread. Chapter 00. Expect about 6 s at ASYNCIO_TIME_SCALE=1:
// two 2 s "downloads" (4 s), then two 1 s processing steps (2 s).
// course-bench:
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// region: jobs
// Blocking stand-ins for a download and for some processing: the thread that calls
// them can do nothing else while they wait.
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
// endregion

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

int main() try {
    auto const start = Clock::now();
    // region: main
    std::vector<std::string> results;
    for (std::string url : {"http://example.com", "http://example.org"})
        results.push_back(fetch_data(url));  // 2 s each, one after the other
    auto const fetched = Clock::now();

    std::vector<std::string> processed;
    for (std::string const& data : results)
        processed.push_back(process_data(data));  // 1 s each, one after the other
    // endregion
    auto const end = Clock::now();

    for (std::string const& line : processed) fmt::print("Result: {}\n", line);
    fmt::print("took {:.2f} s: fetching {:.2f} s, processing {:.2f} s", seconds(end - start),
               seconds(fetched - start), seconds(end - fetched));
    if (asyncio::time_scale() != 1) fmt::print(" (ASYNCIO_TIME_SCALE={})", asyncio::time_scale());
    fmt::print("\n");
} catch (std::exception const& error) {
    // e.g. a bad ASYNCIO_TIME_SCALE
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
