// trace_example.cpp: the running example (two fetches at once, then two processings at
// once) on a loop that records every callback and task step. It writes the trace as
// Chrome trace-event JSON (open it in chapters/11-capstone/viewer/timeline.html, in
// Perfetto or in chrome://tracing) and draws the same timeline in the terminal.
// Usage: ch11_trace_example [trace.json]. Chapter 11.
#include <asyncio/coro.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/time_scale.hpp>
#include <asyncio/trace.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

asyncio::Coro<std::string> fetch_data(std::string url) {
    fmt::print("Fetching data from {}\n", url);
    co_await asyncio::sleep(asyncio::scaled(2s));
    co_return "Data from " + url;
}

asyncio::Coro<std::string> process_data(std::string data) {
    fmt::print("Processing data: {}\n", data);
    co_await asyncio::sleep(asyncio::scaled(1s));
    co_return "Processed data: " + data;
}

asyncio::Coro<std::vector<std::string>> amain() {
    std::vector<asyncio::Coro<std::string>> fetches;
    for (std::string url : {"http://example.com", "http://example.org"}) fetches.push_back(fetch_data(url));
    std::vector<std::string> const results = co_await asyncio::gather(std::move(fetches));
    std::vector<asyncio::Coro<std::string>> steps;
    for (std::string const& result : results) steps.push_back(process_data(result));
    co_return co_await asyncio::gather(std::move(steps));
}

}  // namespace

int main(int argc, char** argv) try {
    std::string const path = argc > 1 ? argv[1] : "trace.json";
    // region: traced-run
    asyncio::Trace trace;
    for (std::string const& line : asyncio::run(amain(), trace)) fmt::print("{}\n", line);
    std::ofstream file(path);
    asyncio::write_chrome_trace(trace, file);
    fmt::print("\n{}", asyncio::render_timeline(trace));
    // endregion
    file.close();
    if (!file) throw std::runtime_error("could not write " + path);
    fmt::print("{} events written to {}\n", trace.events().size(), path);
    return 0;
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
