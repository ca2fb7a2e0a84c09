// Chapter 04, step sync-wait: sync_wait runs a Coro to completion from ordinary code
// and returns its value or rethrows its exception.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/sync_wait.hpp>

#include <coroutine>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using asyncio::Coro;
using asyncio::sync_wait;

namespace {

std::size_t live_frames() {
    return asyncio::frame_stats().live.load();
}

Coro<std::string> fetch_data(std::string url) {
    co_return "Data from " + url;
}

Coro<std::string> process_data(std::string url) {
    std::string data = co_await fetch_data(url);
    co_return "Processed data: " + data;
}

Coro<int> refuses() {
    throw std::invalid_argument("no such host");
    co_return 0;
}

Coro<std::unique_ptr<int>> boxed(int value) {
    co_return std::make_unique<int>(value);
}

Coro<int&> first_of(std::vector<int>& values) {
    co_return values.front();
}

// Suspends on an awaitable that nobody will ever resume.
Coro<int> waits_forever(bool& reached_the_end) {
    co_await std::suspend_always{};
    reached_the_end = true;
    co_return 1;
}

Coro<int> awaits_one_that_waits_forever(bool& reached_the_end) {
    co_return co_await waits_forever(reached_the_end);
}

}  // namespace

TEST_CASE("sync_wait returns the value of a Coro", "[ch04][sync-wait]") {
    CHECK(sync_wait(fetch_data("http://example.com")) == "Data from http://example.com");
}

TEST_CASE("sync_wait runs nested Coros to the end", "[ch04][sync-wait]") {
    CHECK(sync_wait(process_data("http://example.org")) == "Processed data: Data from http://example.org");
}

TEST_CASE("sync_wait rethrows the exception of a Coro", "[ch04][sync-wait]") {
    CHECK_THROWS_AS(sync_wait(refuses()), std::invalid_argument);
}

TEST_CASE("sync_wait hands over move-only values and references", "[ch04][sync-wait]") {
    std::unique_ptr<int> value = sync_wait(boxed(7));
    REQUIRE(value != nullptr);
    CHECK(*value == 7);

    std::vector<int> values{1, 2, 3};
    int& first = sync_wait(first_of(values));
    CHECK(&first == &values.front());
}

TEST_CASE("sync_wait of a Coro that waits for something nobody delivers throws RuntimeError", "[ch04][sync-wait]") {
    std::size_t const frames_before = live_frames();
    bool reached_the_end = false;
    CHECK_THROWS_AS(sync_wait(awaits_one_that_waits_forever(reached_the_end)), asyncio::RuntimeError);
    CHECK_FALSE(reached_the_end);
    // Both suspended frames were destroyed, not leaked.
    CHECK(live_frames() == frames_before);
}
