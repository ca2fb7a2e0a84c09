// Chapter 07: call_at and call_later schedule TimerHandles on the loop's clock (CPython:
// test_call_later, test_call_at, test_timer_handle_*).
#include <testing/catch.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/select_selector.hpp>

#include <testing/virtual_time_loop.hpp>

#include <chrono>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using Loop = testing::VirtualTimeLoop<asyncio::selectors::SelectSelector>;

TEST_CASE("call_later returns a timer handle due the delay after loop.time()", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const timer = loop.call_later(250ms, [] {});
    CHECK(timer.when() == clock.now + 250ms);
    CHECK_FALSE(timer.cancelled());
}

TEST_CASE("call_later takes any duration and rounds a fraction of a tick up and never down", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    CHECK(loop.call_later(std::chrono::duration<double>(1.5), [] {}).when() == clock.now + 1500ms);
    CHECK(loop.call_later(std::chrono::minutes(2), [] {}).when() == clock.now + 120s);
    CHECK(loop.call_later(std::chrono::duration<double, std::nano>(0.25), [] {}).when() == clock.now + 1ns);
    CHECK(loop.call_later(std::chrono::duration<long long, std::pico>(1500), [] {}).when() == clock.now + 2ns);
}

TEST_CASE("call_later with an absurd delay is clamped instead of overflowing the clock", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const far = loop.call_later(std::chrono::hours::max(), [] {});
    CHECK(far.when() > clock.now + std::chrono::hours(24 * 365 * 99));
    auto const past = loop.call_later(-std::chrono::hours::max(), [] {});
    CHECK(past.when() < clock.now);
    auto const infinite = loop.call_later(std::chrono::duration<double>(std::numeric_limits<double>::infinity()), [] {});
    CHECK(infinite.when() == far.when());
}

TEST_CASE("call_at schedules for the given point on the loop's clock", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const when = clock.now + 3s;
    CHECK(loop.call_at(when, [] {}).when() == when);
}

TEST_CASE("loop.time() follows the clock the loop runs on", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    CHECK(loop.time() == clock.now);
    asyncio::EventLoop real;
    auto const before = asyncio::Clock::now();
    auto const during = real.time();
    auto const after = asyncio::Clock::now();
    CHECK(before <= during);
    CHECK(during <= after);
}

TEST_CASE("call_later and call_at refuse an empty callback", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    CHECK_THROWS_AS(loop.call_later(1s, nullptr), std::invalid_argument);
    CHECK_THROWS_AS(loop.call_at(clock.now, asyncio::Callback{}), std::invalid_argument);
}

TEST_CASE("call_later and call_at on a closed loop are a RuntimeError", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    loop.close();
    CHECK_THROWS_AS(loop.call_later(1s, [] {}), asyncio::RuntimeError);
    CHECK_THROWS_AS(loop.call_at(clock.now, [] {}), asyncio::RuntimeError);
}

TEST_CASE("a timer handle describes itself with its deadline and where it was scheduled", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    clock.now = asyncio::TimePoint(12'000'500us);
    auto timer = loop.call_later(0s, [] {});
    CHECK(timer.describe() == "<TimerHandle when=12.000500 call_later_test.cpp:" + std::to_string(__LINE__ - 1) + ">");
    timer.cancel();
    CHECK(timer.describe().find("<TimerHandle when=12.000500 cancelled call_later_test.cpp:") == 0);
    asyncio::Handle plain = timer;
    CHECK(plain.describe() == timer.describe());
}

TEST_CASE("cancelling a timer releases what its callback captured at once", "[ch07][call-later]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto token = std::make_shared<int>(0);
    auto timer = loop.call_later(1h, [token] { (void)token; });
    CHECK(token.use_count() == 2);
    timer.cancel();
    CHECK(token.use_count() == 1);
    timer.cancel();  // twice: harmless
    CHECK(timer.cancelled());
}
