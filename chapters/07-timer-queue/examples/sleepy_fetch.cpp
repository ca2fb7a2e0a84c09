// sleepy_fetch.cpp: two coroutines that "download" by sleeping 2 s each run at the same
// time on one thread, so both are done after 2 s, not 4 s: the course's running example
// (chapter 00) on the loop, with spawn standing in for chapter 08's create_task.
// Chapter 07.
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/spawn.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// region: fetch
asyncio::Coro<std::string> fetch_data(std::string name) {
    fmt::print("Fetching {}...\n", name);
    co_await asyncio::sleep(asyncio::scaled(2s));  // the download: the loop runs others meanwhile
    fmt::print("Done {}\n", name);
    co_return "data from " + name;
}
// endregion

// region: main
int main() {
    asyncio::EventLoop loop;
    asyncio::TimePoint const start = loop.time();
    // Prints when two (scaled) seconds have passed, between the fetches' two lines.
    loop.call_later(asyncio::scaled(2s) - asyncio::scaled(1ms), [] { fmt::print("(2 s have passed)\n"); });

    auto first = asyncio::spawn(loop, fetch_data("https://example.com/1"));
    auto second = asyncio::spawn(loop, fetch_data("https://example.com/2"));
    while (!first.done() || !second.done()) loop.run_once();

    double const seconds = std::chrono::duration<double>(loop.time() - start) / asyncio::scaled(1s);
    fmt::print("{}\n{}\n", first.result(), second.result());
    fmt::print("both done after {:.1f} s (one after the other: 4 s)\n", seconds);
    loop.close();
}
// endregion
