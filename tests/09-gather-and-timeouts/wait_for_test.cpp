// Chapter 09: wait_for, after CPython's Lib/test/test_asyncio/test_waitfor.py: the value
// in time, TimeoutError after the inner awaitable has really finished, a result that
// arrives with the timeout, an outside cancellation, timeout <= 0.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <testing/drive.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using testing::drive;
using testing::Loop;

namespace {

asyncio::Coro<int> after(std::chrono::milliseconds delay, int value) {
    co_await asyncio::sleep(delay);
    co_return value;
}

// Sleeps `delay`; when cancelled, logs it, takes `cleanup` of virtual time to tidy up,
// logs that, and lets the CancelledError go on.
asyncio::Coro<int> slow_with_cleanup(std::chrono::milliseconds delay, std::chrono::milliseconds cleanup,
                                     std::vector<std::string>& log) {
    bool cancelled = false;
    try {
        co_await asyncio::sleep(delay);
    } catch (asyncio::CancelledError const&) {
        cancelled = true;
    }
    if (cancelled) {
        log.push_back("inner cancelled");
        co_await asyncio::sleep(cleanup);
        log.push_back("inner cleaned up");
        throw asyncio::CancelledError();
    }
    co_return 1;
}

}  // namespace

TEST_CASE("wait_for returns the value when it comes in time", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto main = [&]() -> asyncio::Coro<int> { co_return co_await asyncio::wait_for(after(10ms, 7), 100ms); };
    CHECK(drive(loop, main()) == 7);
    CHECK(testing::ms_since(loop, start) == 10);  // not the timeout's 100
}

TEST_CASE("wait_for raises TimeoutError at the timeout and cancels the inner awaitable", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto inner = asyncio::create_task(loop, after(1h, 1));
    long long raised_at = -1;
    auto main = [&]() -> asyncio::Coro<void> {
        try {
            (void)co_await asyncio::wait_for(inner, 25ms);
        } catch (asyncio::TimeoutError const&) {
            raised_at = testing::ms_since(loop, start);
        }
    };
    drive(loop, main());
    CHECK(raised_at == 25);
    CHECK(inner.cancelled());
}

TEST_CASE("wait_for raises TimeoutError only after the cancelled inner awaitable has finished its clean-up", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    std::vector<std::string> log;
    auto main = [&]() -> asyncio::Coro<void> {
        try {
            (void)co_await asyncio::wait_for(slow_with_cleanup(1h, 7ms, log), 20ms);
        } catch (asyncio::TimeoutError const&) {
            log.push_back("timeout at " + std::to_string(testing::ms_since(loop, start)) + " ms");
        }
    };
    drive(loop, main());
    CHECK(log == std::vector<std::string>{"inner cancelled", "inner cleaned up", "timeout at 27 ms"});
}

TEST_CASE("a result that arrives in the same iteration as the timeout is returned and not lost", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> inner(loop);
    auto main = [&]() -> asyncio::Coro<int> {
        auto waiting = asyncio::wait_for(inner, 10ms);
        // Due at the same time as the timeout, and run after it in the same iteration.
        loop.call_later(10ms, [&] { inner.set_result(99); });
        co_return co_await waiting;
    };
    CHECK(drive(loop, main()) == 99);
    CHECK_FALSE(inner.cancelled());
}

TEST_CASE("cancelling the task in wait_for cancels the inner awaitable waits for it and stays a CancelledError", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto main = [&]() -> asyncio::Coro<void> {
        try {
            (void)co_await asyncio::wait_for(slow_with_cleanup(1h, 5ms, log), 1h);
        } catch (asyncio::TimeoutError const&) {
            log.push_back("TimeoutError");
        } catch (asyncio::CancelledError const& error) {
            log.push_back(std::string("outer cancelled: ") + error.what());
            throw;
        }
    };
    auto task = asyncio::create_task(loop, main());
    loop.call_later(10ms, [task]() mutable { task.cancel("stop"); });
    testing::run_until(loop, [&] { return task.done(); }, 100);
    REQUIRE(task.done());
    CHECK(task.cancelled());
    CHECK(log == std::vector<std::string>{"inner cancelled", "inner cleaned up", "outer cancelled: stop"});
}

TEST_CASE("wait_for with a timeout of zero or less times out at once unless the awaitable is done", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto inner = asyncio::create_task(loop, after(10ms, 1));
    auto main = [&]() -> asyncio::Coro<std::string> {
        try {
            (void)co_await asyncio::wait_for(inner, 0s);
        } catch (asyncio::TimeoutError const&) {
            co_return "timed out after " + std::to_string(testing::ms_since(loop, start)) + " ms";
        }
        co_return "no timeout";
    };
    CHECK(drive(loop, main()) == "timed out after 0 ms");
    CHECK(inner.cancelled());
    asyncio::Future<int> done(loop);
    done.set_result(5);
    auto negative = [&]() -> asyncio::Coro<int> { co_return co_await asyncio::wait_for(done, -1s); };
    CHECK(drive(loop, negative()) == 5);
}

TEST_CASE("wait_for with a timeout of zero never starts a coroutine that would finish at once", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    bool ran = false;
    auto instant = [&]() -> asyncio::Coro<int> {
        ran = true;
        co_return 42;
    };
    auto main = [&]() -> asyncio::Coro<std::string> {
        try {
            co_return std::to_string(co_await asyncio::wait_for(instant(), 0s));
        } catch (asyncio::TimeoutError const&) {
            co_return "TimeoutError";
        }
    };
    // Checked once: its task has not run yet, so it is cancelled before its first step
    // (as in Python 3.11).
    CHECK(drive(loop, main()) == "TimeoutError");
    CHECK_FALSE(ran);
}

TEST_CASE("wait_for of a future that is done already returns its value", "[ch09]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<std::string> done(loop);
    done.set_result("ready");
    auto main = [&]() -> asyncio::Coro<std::string> { co_return co_await asyncio::wait_for(done, 1s); };
    CHECK(drive(loop, main()) == "ready");
}

TEST_CASE("an inner awaitable that swallows the cancellation and returns a value makes wait_for return it", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto stubborn = []() -> asyncio::Coro<std::string> {
        try {
            co_await asyncio::sleep(1h);
        } catch (asyncio::CancelledError const&) {
            co_return "partial result";  // Python's wait_for returns it too
        }
        co_return "full result";
    };
    auto main = [&]() -> asyncio::Coro<std::string> { co_return co_await asyncio::wait_for(stubborn(), 10ms); };
    CHECK(drive(loop, main()) == "partial result");
}

TEST_CASE("an exception of the inner awaitable passes through wait_for", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto failing = []() -> asyncio::Coro<int> {
        co_await asyncio::sleep(1ms);
        throw std::runtime_error("inner failed");
    };
    auto main = [&]() -> asyncio::Coro<int> { co_return co_await asyncio::wait_for(failing(), 1s); };
    CHECK_THROWS_WITH(drive(loop, main()), "inner failed");
}

TEST_CASE("an inner awaitable cancelled by someone else makes wait_for raise CancelledError not TimeoutError", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto inner = asyncio::create_task(loop, after(1h, 1));
    loop.call_later(5ms, [inner]() mutable { inner.cancel("elsewhere"); });
    auto main = [&]() -> asyncio::Coro<std::string> {
        try {
            (void)co_await asyncio::wait_for(inner, 1s);
        } catch (asyncio::TimeoutError const&) {
            co_return "TimeoutError";
        } catch (asyncio::CancelledError const& error) {
            co_return std::string("CancelledError: ") + error.what();
        }
        co_return "value";
    };
    CHECK(drive(loop, main()) == "CancelledError: elsewhere");
}

TEST_CASE("after wait_for returns in time its timer no longer keeps the loop busy", "[ch09][wait-for]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = [&]() -> asyncio::Coro<int> { co_return co_await asyncio::wait_for(after(1ms, 3), 1h); };
    CHECK(drive(loop, main()) == 3);
    // A timer left behind would make the loop wait an hour for nothing.
    clock.waits.clear();
    loop.run_once();
    REQUIRE_FALSE(clock.waits.empty());
    CHECK_FALSE(clock.waits.back().has_value());  // nothing scheduled: wait for fds only
}
