// Chapter 05: SelectSelector keeps the selector contract, and converts its timeout for
// select(2) (select-selector).
#include <testing/catch.hpp>

#include <testing/selector_contract.hpp>

#include <asyncio/default_selector.hpp>
#include <asyncio/select_selector.hpp>

#include <chrono>
#include <optional>

COURSE_SELECTOR_CONTRACT(asyncio::selectors::SelectSelector, "SelectSelector", "[ch05][select-selector]")

TEST_CASE("a selector with nothing registered can still wait for a timeout", "[ch05][select-selector]") {
    using namespace std::chrono_literals;
    asyncio::selectors::SelectSelector selector;
    auto const start = std::chrono::steady_clock::now();
    CHECK(selector.select(10ms).empty());
    CHECK(std::chrono::steady_clock::now() - start >= 10ms);
}

TEST_CASE("a select timeout becomes a timeval rounded up to whole microseconds", "[ch05][select-selector]") {
    // Tested on the conversion itself: a wait that is a microsecond short cannot be told
    // from a slow machine by the clock, but the timeval handed to select(2) can.
    using namespace std::chrono_literals;
    using asyncio::selectors::to_timeval;
    CHECK_FALSE(to_timeval(std::nullopt).has_value());  // no timeout: select waits for ever
    auto const microseconds = [](std::chrono::nanoseconds timeout) -> long long {
        auto const tv = to_timeval(timeout);
        REQUIRE(tv.has_value());
        CHECK(tv->tv_usec >= 0);
        CHECK(tv->tv_usec < 1'000'000);
        return static_cast<long long>(tv->tv_sec) * 1'000'000 + tv->tv_usec;
    };
    CHECK(microseconds(0ns) == 0);
    CHECK(microseconds(-3s) == 0);  // a negative timeout only polls
    CHECK(microseconds(-1ns) == 0);
    CHECK(microseconds(1ns) == 1);  // rounded down it would be 0: a poll instead of a wait
    CHECK(microseconds(999ns) == 1);
    CHECK(microseconds(1us) == 1);
    CHECK(microseconds(1500ns) == 2);
    CHECK(microseconds(1ms) == 1000);
    CHECK(microseconds(2s + 500us + 1ns) == 2'000'501);
    auto const tv = to_timeval(3s + 7us);
    REQUIRE(tv.has_value());
    CHECK(tv->tv_sec == 3);
    CHECK(tv->tv_usec == 7);
}
