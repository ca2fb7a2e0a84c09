// Chapter 07: co_await asyncio::sleep(delay) in coroutines started on the loop with
// spawn (chapter 08 brings tasks).
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/spawn.hpp>
#include <asyncio/sync_wait.hpp>

#include <testing/virtual_time_loop.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using Loop = testing::VirtualTimeLoop<asyncio::selectors::SelectSelector>;

namespace {

asyncio::Coro<void> sleeper(std::vector<std::string>& log, std::string name, std::chrono::milliseconds delay) {
    log.push_back(name + " sleeps");
    co_await asyncio::sleep(delay);
    log.push_back(name + " wakes");
}

}  // namespace

TEST_CASE("a coroutine that sleeps resumes once the delay has passed on the loop's clock", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = clock.now;
    asyncio::TimePoint woke{};
    auto coroutine = [&]() -> asyncio::Coro<int> {
        co_await asyncio::sleep(250ms);
        woke = loop.time();
        co_return 7;
    };
    auto spawned = asyncio::spawn(loop, coroutine());
    testing::run_until(loop, [&] { return spawned.done(); });
    REQUIRE(spawned.done());
    CHECK(spawned.result() == 7);
    CHECK(woke == start + 250ms);
}

TEST_CASE("sleeping coroutines wake in the order of their deadlines and not of their start", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto a = asyncio::spawn(loop, sleeper(log, "A", 30ms));
    auto b = asyncio::spawn(loop, sleeper(log, "B", 10ms));
    auto c = asyncio::spawn(loop, sleeper(log, "C", 20ms));
    testing::run_until(loop, [&] { return a.done() && b.done() && c.done(); });
    CHECK(log == std::vector<std::string>{"A sleeps", "B sleeps", "C sleeps", "B wakes", "C wakes", "A wakes"});
}

TEST_CASE("sleeps run concurrently so three sleeps of 100 ms take 100 ms and not 300", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = clock.now;
    std::vector<std::string> log;
    auto a = asyncio::spawn(loop, sleeper(log, "A", 100ms));
    auto b = asyncio::spawn(loop, sleeper(log, "B", 100ms));
    auto c = asyncio::spawn(loop, sleeper(log, "C", 100ms));
    testing::run_until(loop, [&] { return a.done() && b.done() && c.done(); });
    CHECK(clock.now - start == 100ms);
    CHECK(log == std::vector<std::string>{"A sleeps", "B sleeps", "C sleeps", "A wakes", "B wakes", "C wakes"});
}

TEST_CASE("sleep(0) suspends and lets the callbacks already ready run first", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto coroutine = [&]() -> asyncio::Coro<void> {
        log.push_back("before");
        (void)loop.call_soon([&] { log.push_back("callback"); });
        co_await asyncio::sleep(0s);
        log.push_back("after");
    };
    auto spawned = asyncio::spawn(loop, coroutine());
    loop.run_once();
    CHECK(log == std::vector<std::string>{"before"});
    loop.run_once();
    CHECK(log == std::vector<std::string>{"before", "callback", "after"});
    CHECK(spawned.done());
}

TEST_CASE("sleep(0) is a plain yield: it resumes ahead of a timer that was already due", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto coroutine = [&]() -> asyncio::Coro<void> {
        (void)loop.call_at(loop.time() - 1s, [&] { log.push_back("timer due before"); });
        co_await asyncio::sleep(0s);  // call_soon: behind the ready queue, ahead of the timers
        log.push_back("coroutine");
    };
    auto spawned = asyncio::spawn(loop, coroutine());
    testing::run_until(loop, [&] { return log.size() == 2; }, 10);
    CHECK(log == std::vector<std::string>{"coroutine", "timer due before"});
    CHECK(clock.waits.size() == 2);  // no wait: something was ready each time
}

TEST_CASE("a negative sleep behaves like sleep(0)", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    bool after = false;
    auto coroutine = [&]() -> asyncio::Coro<void> {
        co_await asyncio::sleep(-5s);
        after = true;
    };
    auto spawned = asyncio::spawn(loop, coroutine());
    loop.run_once();
    CHECK_FALSE(after);
    loop.run_once();
    CHECK(after);
    CHECK(clock.now == testing::VirtualClock().now);
}

TEST_CASE("a coroutine can sleep many times and nested coroutines sleep too", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = clock.now;
    auto inner = [&](int n) -> asyncio::Coro<int> {
        co_await asyncio::sleep(std::chrono::milliseconds(n));
        co_return n;
    };
    auto outer = [&]() -> asyncio::Coro<int> {
        int total = 0;
        for (int i = 1; i <= 4; ++i) total += co_await inner(i * 10);
        co_return total;
    };
    auto spawned = asyncio::spawn(loop, outer());
    testing::run_until(loop, [&] { return spawned.done(); });
    REQUIRE(spawned.done());
    CHECK(spawned.result() == 100);
    CHECK(clock.now - start == 100ms);
}

TEST_CASE("an exception after a sleep comes out of the spawned coroutine's result", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto coroutine = []() -> asyncio::Coro<void> {
        co_await asyncio::sleep(5ms);
        throw std::runtime_error("woke up cross");
    };
    auto spawned = asyncio::spawn(loop, coroutine());
    CHECK_THROWS_AS(spawned.result(), asyncio::InvalidStateError);  // not done yet
    testing::run_until(loop, [&] { return spawned.done(); });
    CHECK_THROWS_WITH(spawned.result(), "woke up cross");
}

TEST_CASE("destroying a sleeping coroutine cancels its wake-up", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    {
        auto spawned = asyncio::spawn(loop, sleeper(log, "A", 50ms));
        loop.run_once();  // A starts and sleeps
        REQUIRE(log == std::vector<std::string>{"A sleeps"});
    }  // destroyed while it sleeps
    clock.waits.clear();
    loop.run_once();
    // Nothing is left to wait for: the wake-up was cancelled, so it can never resume a
    // frame that no longer exists.
    REQUIRE(clock.waits.size() == 1);
    CHECK_FALSE(clock.waits[0].has_value());
    CHECK(log == std::vector<std::string>{"A sleeps"});
}

TEST_CASE("a coroutine spawned and destroyed before it started never runs", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    { auto spawned = asyncio::spawn(loop, sleeper(log, "never", 1ms)); }
    loop.run_once();
    CHECK(log.empty());
}

TEST_CASE("sleep outside a running loop is a RuntimeError", "[ch07][sleep]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto coroutine = []() -> asyncio::Coro<void> { co_await asyncio::sleep(1ms); };
    // sync_wait runs it with no loop running: sleep has no loop to schedule on.
    CHECK_THROWS_AS(asyncio::sync_wait(coroutine()), asyncio::RuntimeError);
}
