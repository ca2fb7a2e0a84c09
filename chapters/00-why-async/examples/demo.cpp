// demo.cpp: what `./course demo` shows first. It runs the running example twice, one
// step after another and then with one thread per job, printing every line the moment
// it happens, and ends with a timing table and where the course goes next. Chapter 00.
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

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// When the current version started. Written before that version starts any thread
// (starting a thread makes what came before visible to it), so reading it is race-free.
Clock::time_point g_version_start;

// Prints one line, stamped with the time since the version started, and flushes it at
// once so that even through a pipe the reader sees it when it happens.
void say(std::string const& line) {
    fmt::print("  [{:5.2f} s] {}\n", seconds(Clock::now() - g_version_start), line);
    std::fflush(stdout);
}

std::string fetch_data(std::string const& url) {
    say(fmt::format("Fetching data from {}", url));
    std::this_thread::sleep_for(asyncio::scaled(2s));
    return fmt::format("Data from {}", url);
}

std::string process_data(std::string const& data) {
    say(fmt::format("Processing data: {}", data));
    std::this_thread::sleep_for(asyncio::scaled(1s));
    return fmt::format("Processed data: {}", data);
}

std::vector<std::string> const urls{"http://example.com", "http://example.org"};

std::vector<std::string> run_sequential() {
    std::vector<std::string> results;
    for (std::string const& url : urls) results.push_back(fetch_data(url));
    std::vector<std::string> processed;
    for (std::string const& data : results) processed.push_back(process_data(data));
    return processed;
}

std::vector<std::string> run_threaded() {
    std::vector<std::function<std::string()>> fetches;
    for (std::string const& url : urls) fetches.push_back([url] { return fetch_data(url); });
    std::vector<std::string> results = asyncio::run_in_threads(std::move(fetches));
    std::vector<std::function<std::string()>> steps;
    for (std::string const& data : results) steps.push_back([data] { return process_data(data); });
    return asyncio::run_in_threads(std::move(steps));
}

// Runs one version with its own clock and returns how long it took.
double run_version(std::string const& title, std::vector<std::string> (*version)()) {
    fmt::print("{}\n", title);
    std::fflush(stdout);
    g_version_start = Clock::now();
    std::vector<std::string> const processed = version();
    for (std::string const& line : processed) say("Result: " + line);
    return seconds(Clock::now() - g_version_start);
}

int main() try {
    fmt::print("The running example: fetch two URLs (each waits 2 s), then process both results\n"
               "(each waits 1 s). The waits stand for a network and a slow service.\n");
    if (asyncio::time_scale() != 1)
        fmt::print("ASYNCIO_TIME_SCALE={}: every wait is scaled by that factor.\n", asyncio::time_scale());
    fmt::print("\n");

    double const sequential = run_version("1. Sequential: one step after another, on one thread", run_sequential);
    fmt::print("\n");
    double const threaded = run_version("2. One thread per job, with asyncio::run_in_threads", run_threaded);

    fmt::print("\n{:<22}{:>9}   {}\n", "version", "time", "threads waiting at once");
    fmt::print("{:<22}{:>7.2f} s   {}\n", "sequential", sequential, "1");
    fmt::print("{:<22}{:>7.2f} s   {}\n", "one thread per job", threaded, "2");
    fmt::print("\nThreads halve the time, but every waiting job holds a whole thread: a kernel task\n"
               "and a stack of its own. Chapter 01 starts the other way, many jobs taking turns on\n"
               "one thread; in chapter 09 this same story runs as C++ coroutines on one thread, in\n"
               "about 3 s. Next: ./course check 00\n");
} catch (std::exception const& error) {
    // e.g. NotImplementedError from an unfinished exercise step, or a bad ASYNCIO_TIME_SCALE
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
