// The running example of the article the course answers (chapter 00), on the course's
// own runtime: first as the article wrote it, where process_data is called and never
// awaited, then set right with a second gather (chapter 00's python/article_fixed.py).
// Usage: ch09_article [article|fixed] (both when no argument). Chapter 09.
#include <asyncio/coro.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// region: coroutines
asyncio::Coro<std::string> fetch_data(std::string url) {
    fmt::print("Fetching data from {}\n", url);
    co_await asyncio::sleep(asyncio::scaled(2s));
    co_return fmt::format("Data from {}", url);
}

asyncio::Coro<std::string> process_data(std::string data) {
    fmt::print("Processing data: {}\n", data);
    co_await asyncio::sleep(asyncio::scaled(1s));
    co_return fmt::format("Processed data: {}", data);
}

std::vector<std::string> const urls = {"http://example.com", "http://example.org"};
// endregion

// region: article
// As the article wrote it. Its `processed_results = [process_data(result) ...]` made
// coroutines and returned them unawaited; they leave through `processed_results` here,
// because a task's result must be copyable and a coroutine is not.
asyncio::Coro<void> article_main(std::vector<asyncio::Coro<std::string>>& processed_results) {
    std::vector<asyncio::Coro<std::string>> tasks;
    for (std::string const& url : urls) tasks.push_back(fetch_data(url));
    std::vector<std::string> const results = co_await asyncio::gather(std::move(tasks));
    for (std::string const& result : results) processed_results.push_back(process_data(result));
}
// endregion

// region: fixed
// Set right: the processing is awaited too, both at once, with a second gather.
asyncio::Coro<std::vector<std::string>> fixed_main() {
    std::vector<asyncio::Coro<std::string>> fetches;
    for (std::string const& url : urls) fetches.push_back(fetch_data(url));
    std::vector<std::string> const results = co_await asyncio::gather(std::move(fetches));
    std::vector<asyncio::Coro<std::string>> processing;
    for (std::string const& result : results) processing.push_back(process_data(result));
    co_return co_await asyncio::gather(std::move(processing));
}
// endregion

namespace {

using Clock = std::chrono::steady_clock;

// "took 3.00 s", in the story's seconds: with ASYNCIO_TIME_SCALE=0.01 the 0.03 s that
// really passed is reported as 3.00 s, and the scale is said.
void print_took(Clock::time_point start) {
    double const real = std::chrono::duration<double>(Clock::now() - start).count();
    if (asyncio::time_scale() == 1)
        fmt::print("took {:.2f} s\n", real);
    else
        fmt::print("took {:.2f} s (ASYNCIO_TIME_SCALE={}: {:.3f} s really)\n", real / asyncio::time_scale(),
                   asyncio::time_scale(), real);
}

void run_article() {
    fmt::print("== The article's main: process_data is called, never awaited ==\n");
    auto const start = Clock::now();
    std::vector<asyncio::Coro<std::string>> processed_results;
    asyncio::run(article_main(processed_results));
    fmt::print("main returned {} coroutines that never ran\n", processed_results.size());
    std::fflush(stdout);
    processed_results.clear();  // destroyed unstarted: each one warns, as Python's do
    print_took(start);
}

void run_fixed() {
    fmt::print("== Set right: the processing awaited, with a second gather ==\n");
    auto const start = Clock::now();
    for (std::string const& line : asyncio::run(fixed_main())) fmt::print("{}\n", line);
    print_took(start);
}

}  // namespace

int main(int argc, char** argv) try {
    std::string const which = argc > 1 ? argv[1] : "both";
    if (which != "article" && which != "fixed" && which != "both") {
        fmt::print(stderr, "usage: ch09_article [article|fixed]\n");
        return 2;
    }
    if (which != "fixed") run_article();
    if (which == "both") fmt::print("\n");
    if (which != "article") run_fixed();
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());  // e.g. a step of the exercise not written yet
    return 1;
}
