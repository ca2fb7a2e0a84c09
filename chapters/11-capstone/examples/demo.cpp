// demo.cpp: what `./course demo` shows once the course is complete. The running example
// on the runtime this course builds: two fetches at once, then two processings at once,
// on one thread, every line stamped with the time it happened, and then the timeline of
// who ran when and who waited, recorded by the loop itself; then the article's mistake
// and the warning it earns. Chapter 09's demo is the same story without the timeline.
// Usage: ch11_demo [--trace FILE]  (FILE: the Chrome trace-event JSON of the run, for
// chapters/11-capstone/viewer/timeline.html, Perfetto or chrome://tracing). Chapter 11.
#include <asyncio/coro.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/time_scale.hpp>
#include <asyncio/trace.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

Clock::time_point g_start;
std::thread::id g_main_thread;

double story_seconds(Clock::duration d) { return std::chrono::duration<double>(d).count() / asyncio::time_scale(); }

void say(std::string const& line) {
    char const* const thread = std::this_thread::get_id() == g_main_thread ? "main thread" : "another thread";
    fmt::print("  [{:5.2f} s, {}] {}\n", story_seconds(Clock::now() - g_start), thread, line);
    std::fflush(stdout);
}

asyncio::Coro<std::string> fetch_data(std::string url) {
    say(fmt::format("Fetching data from {}", url));
    co_await asyncio::sleep(asyncio::scaled(2s));
    co_return fmt::format("Data from {}", url);
}

asyncio::Coro<std::string> process_data(std::string data) {
    say(fmt::format("Processing data: {}", data));
    co_await asyncio::sleep(asyncio::scaled(1s));
    co_return fmt::format("Processed data: {}", data);
}

std::vector<std::string> const urls = {"http://example.com", "http://example.org"};

asyncio::Coro<std::vector<std::string>> fixed_main() {
    std::vector<asyncio::Coro<std::string>> fetches;
    for (std::string const& url : urls) fetches.push_back(fetch_data(url));
    std::vector<std::string> const results = co_await asyncio::gather(std::move(fetches));
    std::vector<asyncio::Coro<std::string>> processing;
    for (std::string const& result : results) processing.push_back(process_data(result));
    co_return co_await asyncio::gather(std::move(processing));
}

asyncio::Coro<void> article_main(std::vector<asyncio::Coro<std::string>>& processed_results) {
    std::vector<asyncio::Coro<std::string>> tasks;
    for (std::string const& url : urls) tasks.push_back(fetch_data(url));
    std::vector<std::string> const results = co_await asyncio::gather(std::move(tasks));
    for (std::string const& result : results) processed_results.push_back(process_data(result));
}

}  // namespace

int main(int argc, char** argv) try {
    std::string const trace_path = argc > 2 && std::string(argv[1]) == "--trace" ? argv[2] : "";
    g_main_thread = std::this_thread::get_id();
    fmt::print("The running example: fetch two URLs (each waits 2 s), then process both results\n"
               "(each waits 1 s), on the event loop this course builds, on one thread.\n");
    if (asyncio::time_scale() != 1)
        fmt::print("ASYNCIO_TIME_SCALE={}: every wait is scaled by that factor; times below are the story's.\n",
                   asyncio::time_scale());

    fmt::print("\n1. asyncio::run(main()), both gathers awaited\n");
    g_start = Clock::now();
    // region: traced
    asyncio::Trace trace;  // the loop records every callback and task step into it
    for (std::string const& line : asyncio::run(fixed_main(), trace)) say("Result: " + line);
    double const fixed = story_seconds(Clock::now() - g_start);
    fmt::print("\nWho ran when (one row per task; the loop's clock, left to right):\n{}", asyncio::render_timeline(trace));
    // endregion
    if (!trace_path.empty()) {
        std::ofstream file(trace_path);
        asyncio::write_chrome_trace(trace, file);
        file.close();
        if (!file) throw std::runtime_error("could not write " + trace_path);
        fmt::print("The trace ({} events) is in {}: open it in chapters/11-capstone/viewer/timeline.html\n",
                   trace.events().size(), trace_path);
    }

    fmt::print("\n2. The article's main: process_data(result) called, never awaited\n");
    g_start = Clock::now();
    std::vector<asyncio::Coro<std::string>> processed_results;
    asyncio::run(article_main(processed_results));
    say(fmt::format("main returned {} coroutines; destroying them:", processed_results.size()));
    std::fflush(stdout);
    processed_results.clear();
    std::fflush(stderr);
    double const article = story_seconds(Clock::now() - g_start);

    fmt::print("\n{:<36}{:>8}   {}\n", "version", "time", "threads");
    fmt::print("{:<36}{:>6.2f} s   {}\n", "sequential (chapter 00)", 6.0, "1 (expected: 2 + 2 + 1 + 1)");
    fmt::print("{:<36}{:>6.2f} s   {}\n", "one thread per job (chapter 00)", 3.0, "2 (expected: 2 + 1)");
    fmt::print("{:<36}{:>6.2f} s   {}\n", "coroutines on the event loop", fixed, "1 (measured above)");
    fmt::print("{:<36}{:>6.2f} s   {}\n", "the article's version", article, "1 (measured; never processes)");
    fmt::print("\nOne thread does what two did in chapter 00: while a coroutine waits, the loop runs\n"
               "another. Build it yourself from chapter 01: ./course check 01\n"
               "The trace of this run, to open in a browser: ./course run 11 demo --trace trace.json\n");
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
