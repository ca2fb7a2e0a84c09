// Chapter 07: timers in the loop's iteration (CPython: test__run_once and friends; libuv:
// test-timer.c). Most tests run on a virtual clock (testing/virtual_time_loop.hpp), so
// they are exact and never wait; the few about the real clock have no upper bounds.
#include <testing/catch.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/pipe.hpp>
#include <asyncio/select_selector.hpp>

#include <testing/capture_stderr.hpp>
#include <testing/counting_selector.hpp>
#include <testing/selectors_under_test.hpp>
#include <testing/virtual_time_loop.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using asyncio::selectors::Timeout;
using Loop = testing::VirtualTimeLoop<asyncio::selectors::SelectSelector>;

namespace {

Timeout ms(int count) { return std::chrono::nanoseconds(std::chrono::milliseconds(count)); }

}  // namespace

TEMPLATE_TEST_CASE("timers run in deadline order and equal deadlines in scheduling order", "[ch07][run-timers]",
                   COURSE_SELECTORS_UNDER_TEST) {
    testing::VirtualClock clock;
    testing::VirtualTimeLoop<TestType> loop(clock);
    std::vector<std::string> order;
    (void)loop.call_later(30ms, [&] { order.push_back("C"); });
    (void)loop.call_later(10ms, [&] { order.push_back("A"); });
    (void)loop.call_later(20ms, [&] { order.push_back("B1"); });
    (void)loop.call_later(20ms, [&] { order.push_back("B2"); });
    (void)loop.call_later(30ms, [&] { loop.stop(); });
    loop.run_forever();
    CHECK(order == std::vector<std::string>{"A", "B1", "B2", "C"});
    CHECK(clock.now == testing::VirtualClock().now + 30ms);
}

TEST_CASE("a loop with only a timer waits in the selector exactly until it is due", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    bool ran = false;
    (void)loop.call_later(50ms, [&] { ran = true; });
    loop.run_once();
    CHECK(ran);  // the iteration whose wait ended moved it and ran it
    REQUIRE(clock.waits.size() == 1);
    CHECK(clock.waits[0] == ms(50));
}

TEST_CASE("the wait is measured from the time the loop looks and not from when the timer was made",
          "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    (void)loop.call_later(50ms, [] {});
    clock.now += 20ms;  // something else took 20 ms
    loop.run_once();
    REQUIRE(clock.waits.size() == 1);
    CHECK(clock.waits[0] == ms(30));
}

TEST_CASE("a loop with nothing to do but a far timer blocks instead of spinning", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    clock.frozen = true;  // waiting moves nothing: a spinning loop would ask again and again
    Loop loop(clock);
    bool ran = false;
    (void)loop.call_later(50ms, [&] { ran = true; });
    for (int i = 0; i < 3; ++i) loop.run_once();
    CHECK_FALSE(ran);
    REQUIRE(clock.waits.size() == 3);
    for (auto const& wait : clock.waits) CHECK(wait == ms(50));
}

TEST_CASE("the wait is zero while callbacks are ready and for a timer already due", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    (void)loop.call_later(50ms, [] {});
    (void)loop.call_soon([] {});
    loop.run_once();
    (void)loop.call_at(clock.now - 1s, [] {});  // in the past: never a negative wait
    loop.run_once();
    REQUIRE(clock.waits.size() == 2);
    CHECK(clock.waits[0] == ms(0));
    CHECK(clock.waits[1] == ms(0));
}

TEST_CASE("without timers or callbacks the loop waits for fds with no time limit", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto timer = loop.call_later(50ms, [] {});
    timer.cancel();  // a cancelled timer is no reason to wake up
    loop.run_once();
    REQUIRE(clock.waits.size() == 1);
    CHECK_FALSE(clock.waits[0].has_value());
}

TEST_CASE("a timer days away caps the wait at a day as CPython's MAXIMUM_SELECT_TIMEOUT does",
          "[ch07][run-timers]") {
    testing::VirtualClock clock;
    clock.frozen = true;
    Loop loop(clock);
    (void)loop.call_later(std::chrono::hours(1000), [] {});
    loop.run_once();
    REQUIRE(clock.waits.size() == 1);
    CHECK(clock.waits[0] == std::chrono::nanoseconds(24h));
}

TEST_CASE("a pending stop makes the loop look at the timers without waiting", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    (void)loop.call_later(1h, [] {});
    loop.stop();
    loop.run_forever();
    REQUIRE(clock.waits.size() == 1);
    CHECK(clock.waits[0] == ms(0));
}

TEST_CASE("a timer in the past runs in the next iteration after the callbacks already ready and never inline",
          "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> order;
    (void)loop.call_soon([&] {
        (void)loop.call_later(-5s, [&] { order.push_back("timer in the past"); });
        order.push_back("scheduler");
        (void)loop.call_soon([&] { order.push_back("soon"); });
    });
    (void)loop.call_soon([&] { order.push_back("second"); });
    loop.run_once();
    CHECK(order == std::vector<std::string>{"scheduler", "second"});
    loop.run_once();
    CHECK(order == std::vector<std::string>{"scheduler", "second", "soon", "timer in the past"});
}

TEST_CASE("timers and call_soon interleave: a due timer runs behind callbacks queued before it came due",
          "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> order;
    (void)loop.call_later(0s, [&] { order.push_back("timer 0 s"); });
    (void)loop.call_soon([&] { order.push_back("soon 1"); });
    (void)loop.call_soon([&] { order.push_back("soon 2"); });
    loop.run_once();
    CHECK(order == std::vector<std::string>{"soon 1", "soon 2", "timer 0 s"});
}

TEST_CASE("a timer cancelled by an earlier callback of the same iteration does not run", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> order;
    asyncio::TimerHandle second;
    (void)loop.call_later(10ms, [&] {
        order.push_back("first");
        second.cancel();  // already moved to the ready queue with this one
    });
    second = loop.call_later(10ms, [&] { order.push_back("second"); });
    (void)loop.call_later(10ms, [&] { order.push_back("third"); });
    loop.run_once();
    CHECK(order == std::vector<std::string>{"first", "third"});
}

TEST_CASE("a timer that throws goes to the exception handler with its handle and later timers still run",
          "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> messages;
    asyncio::Handle reported;
    loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
        messages.push_back(context.message);
        reported = context.handle;
    });
    bool later_ran = false;
    auto failing = loop.call_later(10ms, [] { throw std::runtime_error("timer failed"); });
    (void)loop.call_later(10ms, [&] { later_ran = true; });
    loop.run_once();
    CHECK(later_ran);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].find("Exception in callback <TimerHandle when=") == 0);
    CHECK(reported == failing);
}

TEST_CASE("a timer that throws something that is not a std::exception is reported too", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    int reports = 0;
    loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const&) { ++reports; });
    (void)loop.call_later(1ms, [] { throw 42; });
    loop.run_once();
    CHECK(reports == 1);
}

TEST_CASE("the default exception handler names the timer", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    (void)loop.call_later(1ms, [] { throw std::runtime_error("late and broken"); });
    testing::CaptureStderr capture;
    loop.run_once();
    std::string const err = capture.text();
    CHECK(err.find("<TimerHandle when=") != std::string::npos);
    CHECK(err.find("late and broken") != std::string::npos);
}

TEST_CASE("stop inside a timer returns after the iteration and keeps the later timers for the next run",
          "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> order;
    (void)loop.call_later(10ms, [&] {
        order.push_back("stop");
        loop.stop();
    });
    (void)loop.call_later(10ms, [&] { order.push_back("same iteration"); });
    (void)loop.call_later(20ms, [&] {
        order.push_back("next run");
        loop.stop();
    });
    loop.run_forever();
    CHECK(order == std::vector<std::string>{"stop", "same iteration"});
    loop.run_forever();
    CHECK(order == std::vector<std::string>{"stop", "same iteration", "next run"});
}

TEST_CASE("a timer that reschedules itself with no delay cannot starve a ready fd", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto pipe = asyncio::make_pipe();
    REQUIRE(asyncio::write_some(pipe.write_end.get(), "x") == 1);
    int reads = 0;
    int ticks = 0;
    (void)loop.add_reader(pipe.read_end.get(), [&] { ++reads; });  // level-triggered: ready every time
    std::function<void()> tick = [&] {
        ++ticks;
        (void)loop.call_later(0s, tick);
    };
    (void)loop.call_later(0s, tick);
    for (int i = 0; i < 10; ++i) loop.run_once();
    CHECK(ticks >= 9);
    CHECK(reads == 10);
    loop.remove_reader(pipe.read_end.get());
}

TEST_CASE("close drops pending timers and releases their captures", "[ch07][run-timers]") {
    testing::VirtualClock clock;
    auto token = std::make_shared<int>(0);
    asyncio::TimerHandle kept;
    {
        Loop loop(clock);
        kept = loop.call_later(1s, [token] { (void)token; });
        (void)loop.call_later(2s, [token] { (void)token; });
        loop.close();
        CHECK(token.use_count() == 1);
    }
    kept.cancel();  // the loop is gone; cancelling its timer is still harmless
}

TEST_CASE("destroying a loop with timers pending releases them", "[ch07][run-timers]") {
    auto token = std::make_shared<int>(0);
    {
        asyncio::EventLoop loop;
        (void)loop.call_later(1h, [token] { (void)token; });
    }
    CHECK(token.use_count() == 1);
}

// The real clock: each selector rounds its timeout its own way (select to microseconds,
// poll and epoll to milliseconds). A timer must never run before its deadline.
TEMPLATE_TEST_CASE("on the real clock a timer never runs before its deadline", "[ch07][run-timers]",
                   COURSE_SELECTORS_UNDER_TEST) {
    std::vector<Timeout> waits;
    asyncio::EventLoop loop(std::make_unique<testing::CountingSelector<TestType>>(waits));
    std::vector<std::chrono::nanoseconds> delays = {100us, 250us, 999us, 1ms, 1500us, 3ms, 10ms, 50ms};
    int pending = static_cast<int>(delays.size());
    int early = 0;
    for (auto const delay : delays) {
        // The deadline, filled in once call_later has returned it. (Capturing the
        // TimerHandle itself would make the callback own itself: a leak.)
        auto when = std::make_shared<asyncio::TimePoint>();
        *when = loop.call_later(delay, [&, when] {
            if (loop.time() < *when) ++early;
            if (--pending == 0) loop.stop();
        }).when();
    }
    loop.run_forever();
    CHECK(early == 0);
    CHECK(pending == 0);
    // And it waited in the selector rather than spinning: a handful of waits per timer
    // at most (the exact number depends on the rounding and the machine's load).
    CHECK(waits.size() < 20 * delays.size());
}

TEST_CASE("a real loop with only a 50 ms timer blocks in the selector instead of spinning", "[ch07][run-timers]") {
    std::vector<Timeout> waits;
    asyncio::EventLoop loop(std::make_unique<testing::CountingSelector<asyncio::selectors::SelectSelector>>(waits));
    (void)loop.call_later(50ms, [&] { loop.stop(); });
    loop.run_forever();
    INFO("iterations: " << waits.size());
    CHECK(waits.size() <= 5);
    REQUIRE_FALSE(waits.empty());
    CHECK(waits.front().has_value());
    CHECK(*waits.front() > std::chrono::nanoseconds(0));
}
