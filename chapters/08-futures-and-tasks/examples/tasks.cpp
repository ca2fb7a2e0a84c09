// Chapter 08's first program: the course's running example as asyncio writes it.
// asyncio::run(main()); main starts three downloads as tasks, cancels the slow one,
// and awaits the others. Python's twin is python/tasks.py.
#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// region: fetch
asyncio::Coro<std::string> fetch_data(std::string url, std::chrono::milliseconds delay) {
    fmt::print("Fetching {}...\n", url);
    try {
        co_await asyncio::sleep(asyncio::scaled(delay));  // stands for the network
    } catch (asyncio::CancelledError const& cancelled) {
        fmt::print("Cancelled {}: {}\n", url, cancelled.what());
        throw;  // a cancelled coroutine cleans up, then lets CancelledError go on
    }
    fmt::print("Done {}\n", url);
    co_return "data from " + url;
}
// endregion

// region: main
asyncio::Coro<int> amain() {
    auto first = asyncio::create_task(fetch_data("https://example.com/1", 200ms));
    auto second = asyncio::create_task(fetch_data("https://example.com/2", 100ms));
    // An hour: however late a loaded machine runs the others, this one cannot finish
    // before main gives up on it, so the output is the same on every run.
    auto slow = asyncio::create_task(fetch_data("https://example.com/slow", 1h), "slow");

    fmt::print("{}\n", co_await first);  // by then the second has finished too
    fmt::print("{}\n", co_await second);
    slow.cancel("we waited long enough");
    try {
        co_await slow;
    } catch (asyncio::CancelledError const&) {
        fmt::print("{} cancelled: {}\n", slow.get_name(), slow.cancelled() ? "yes" : "no");
    }
    co_return 0;
}

int main() { return asyncio::run(amain()); }
// endregion
