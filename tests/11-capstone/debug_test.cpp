// Chapter 11: debug mode, after CPython's Lib/test/test_asyncio/test_base_events.py
// (test_slow_callback_duration, test_set_debug, PYTHONASYNCIODEBUG): slow callbacks and
// task steps reported with where they came from, tasks that remember where they were
// created, and chapter 08's and 10's warnings still there in debug mode.
// Slowness is measured on the loop's clock, time(): on a VirtualTimeLoop a callback
// "takes" 150 ms by moving the test's clock, so no test depends on the machine's speed.
// The one test on the real clock only ever makes a callback longer than it must be.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/trace.hpp>

#include <testing/capture_stderr.hpp>
#include <testing/drive.hpp>
#include <testing/process.hpp>
#include <testing/virtual_time_loop.hpp>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using testing::Loop;

namespace {

std::string line_of(int line) { return "debug_test.cpp:" + std::to_string(line); }

testing::VirtualClock* g_clock = nullptr;  // for the coroutines below

// The classic debug-mode catch: a coroutine that blocks the loop (here: moves the fake
// clock, as a blocking call would move the real one) before it awaits.
asyncio::Coro<int> blocking_step() {
    g_clock->now += 150ms;
    co_await asyncio::sleep(10ms);
    co_return 1;
}

asyncio::Coro<void> failing_body() {
    throw std::runtime_error("nobody looked");
    co_return;
}

asyncio::Coro<int> forgotten_coroutine() { co_return 1; }

}  // namespace

// ---- slow-callback ---------------------------------------------------------------------

TEST_CASE("in debug mode a callback that takes 150 ms of loop time is reported with its creation site", "[ch11][slow-callback]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    CHECK(loop.get_debug());
    loop.call_soon([&] { clock.now += 150ms; });
    int const line = __LINE__ - 1;
    loop.run_once();
    CHECK(log.messages == std::vector<std::string>{"Executing <Handle " + line_of(line) + "> took 0.150 seconds"});
}

TEST_CASE("a callback just under slow_callback_duration is not reported and one exactly at it is", "[ch11][slow-callback]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    CHECK(loop.slow_callback_duration() == 100ms);  // Python's default, 0.1 s
    loop.call_soon([&] { clock.now += 99ms; });
    loop.call_soon([&] { clock.now += 100ms; });
    int const line = __LINE__ - 1;
    loop.call_soon([] {});
    loop.run_once();
    CHECK(log.messages == std::vector<std::string>{"Executing <Handle " + line_of(line) + "> took 0.100 seconds"});
}

TEST_CASE("slow_callback_duration can be changed and a timer callback is reported as a TimerHandle", "[ch11][slow-callback]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    loop.set_slow_callback_duration(10ms);
    loop.call_later(5ms, [&] { clock.now += 20ms; });
    int const line = __LINE__ - 1;
    testing::run_until(loop, [&] { return !log.messages.empty(); }, 5);
    REQUIRE(log.messages.size() == 1);
    CHECK(log.messages[0].rfind("Executing <TimerHandle when=", 0) == 0);
    CHECK(log.messages[0].find(line_of(line) + "> took 0.020 seconds") != std::string::npos);
    log.messages.clear();
    loop.set_slow_callback_duration(1s);
    loop.call_soon([&] { clock.now += 150ms; });
    loop.run_once();
    CHECK(log.messages.empty());
}

TEST_CASE("a slow task step is reported as the task with its name and coroutine and creation site", "[ch11][slow-callback]") {
    testing::VirtualClock clock;
    g_clock = &clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    auto task = asyncio::create_task(loop, blocking_step(), "blocker");
    int const line = __LINE__ - 1;
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(task.result() == 1);
    REQUIRE(log.messages.size() == 1);  // the first step only: the second one is quick
    std::string const& message = log.messages[0];
    INFO(message);
    CHECK(message.rfind("Executing <Task pending name='blocker' coro='blocking_step' (debug_test.cpp:", 0) == 0);
    CHECK(message.find(" created at " + line_of(line) + "> took 0.150 seconds") != std::string::npos);
    CHECK(message.find("<Handle") == std::string::npos);  // not the callback that ran the step
}

TEST_CASE("in debug mode a callback that really blocks for 150 ms is reported on the real clock", "[ch11][slow-callback]") {
    asyncio::EventLoop loop;  // the steady clock: a real sleep can only make the callback slower
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    loop.call_soon([] { std::this_thread::sleep_for(150ms); });
    loop.run_once();
    REQUIRE(log.messages.size() == 1);
    std::string const& message = log.messages[0];
    INFO(message);
    CHECK(message.rfind("Executing <Handle debug_test.cpp:", 0) == 0);
    auto const took = message.find("> took ");
    REQUIRE(took != std::string::npos);
    CHECK(std::stod(message.substr(took + 7)) >= 0.150);
}

TEST_CASE("with debug mode off even a very slow callback is not reported", "[ch11]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    CHECK_FALSE(loop.get_debug());
    loop.call_soon([&] { clock.now += 10s; });
    loop.run_once();
    loop.set_debug(true);
    loop.set_debug(false);
    loop.call_soon([&] { clock.now += 10s; });
    loop.run_once();
    CHECK(log.messages.empty());
}

TEST_CASE("a loop that records a trace without debug mode reports no slow callback", "[ch11][trace-events]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    asyncio::Trace trace;
    loop.set_trace(&trace);
    loop.call_soon([&] { clock.now += 10s; });
    loop.run_once();
    CHECK(trace.events().size() == 1);
    CHECK(log.messages.empty());
    loop.set_debug(true);  // both: reported and recorded
    loop.call_soon([&] { clock.now += 10s; });
    loop.run_once();
    CHECK(trace.events().size() == 2);
    CHECK(log.messages.size() == 1);
}

TEST_CASE("in debug mode a callback that throws still reaches the exception handler and the loop goes on", "[ch11][slow-callback]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    bool after = false;
    loop.call_soon([] { throw std::runtime_error("boom"); });
    int const line = __LINE__ - 1;
    loop.call_soon([&] { after = true; });
    loop.run_once();
    CHECK(after);
    CHECK(log.messages ==
          std::vector<std::string>{"Exception in callback <Handle " + line_of(line) + ">: std::runtime_error: boom"});
}

TEST_CASE("ASYNCIO_DEBUG in the environment turns debug mode on for new loops", "[ch11]") {
    ::unsetenv("ASYNCIO_DEBUG");
    CHECK_FALSE(asyncio::EventLoop().get_debug());
    ::setenv("ASYNCIO_DEBUG", "1", 1);
    CHECK(asyncio::EventLoop().get_debug());
    ::setenv("ASYNCIO_DEBUG", "0", 1);
    CHECK_FALSE(asyncio::EventLoop().get_debug());
    ::setenv("ASYNCIO_DEBUG", "", 1);
    CHECK_FALSE(asyncio::EventLoop().get_debug());
    ::unsetenv("ASYNCIO_DEBUG");
}

// ---- the warnings of earlier chapters, in debug mode ------------------------------------

TEST_CASE("in debug mode a task exception never retrieved names the coroutine and where the task was created", "[ch11][slow-callback]") {
    testing::CaptureStderr captured;
    int line = 0;
    {
        testing::VirtualClock clock;
        Loop loop(clock);
        {
            auto quiet = asyncio::create_task(loop, failing_body(), "not-debug");
            testing::run_until(loop, [&] { return quiet.done(); }, 10);
        }
        loop.set_debug(true);
        {
            auto task = asyncio::create_task(loop, failing_body(), "forgotten");
            line = __LINE__ - 1;
            testing::run_until(loop, [&] { return task.done(); }, 10);
        }
    }
    std::string const text = captured.text();
    INFO(text);
    CHECK(text.find("Task exception was never retrieved: <Task finished name='forgotten' coro='failing_body' "
                    "(debug_test.cpp:") != std::string::npos);
    CHECK(text.find("created at " + line_of(line) + ">") != std::string::npos);
    CHECK(text.find("nobody looked") != std::string::npos);
    // Made before debug mode was on: reported as chapter 08 did, without the sites.
    CHECK(text.find("<Task finished name='not-debug'>") != std::string::npos);
}

TEST_CASE("in debug mode a task that has not finished describes itself with its creation site", "[ch11][slow-callback]") {
    testing::VirtualClock clock;
    g_clock = &clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    loop.set_debug(true);
    loop.set_slow_callback_duration(1s);
    auto task = asyncio::create_task(loop, blocking_step(), "sleeper");
    int const line = __LINE__ - 1;
    CHECK(task.describe().rfind("<Task pending name='sleeper' coro='blocking_step' (debug_test.cpp:", 0) == 0);
    CHECK(task.describe().find(" created at " + line_of(line) + ">") != std::string::npos);
    CHECK(task.get_name() == "sleeper");
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(task.result() == 1);
}

TEST_CASE("in chapter 11 a coroutine never awaited still warns with its function's name", "[ch11]") {
    testing::CaptureStderr captured;
    {
        testing::VirtualClock clock;
        Loop loop(clock);
        loop.set_debug(true);
        auto never = forgotten_coroutine();
    }
    std::string const text = captured.text();
    CHECK(text.find("RuntimeWarning: coroutine 'forgotten_coroutine' (debug_test.cpp:") != std::string::npos);
    CHECK(text.find("was never awaited") != std::string::npos);
}

TEST_CASE("in debug mode call_soon from another thread still raises RuntimeError and call_soon_threadsafe works", "[ch11][slow-callback][threads]") {
    asyncio::EventLoop loop;
    loop.set_debug(true);
    std::atomic<bool> started{false};
    std::atomic<bool> failed{false};
    std::thread runner([&] {
        loop.call_soon([&] { started = true; });
        try {
            loop.run_forever();
        } catch (...) {  // a broken debug mode: fail below, not hang or terminate
            failed = true;
            started = true;
        }
    });
    while (!started) std::this_thread::yield();
    if (failed) {
        runner.join();
        FAIL("the loop failed to run in debug mode");
    }
    std::string message;
    try {
        loop.call_soon([] {});
    } catch (asyncio::RuntimeError const& error) {
        message = error.what();
    }
    bool call_later_refused = false;
    try {
        (void)loop.call_later(1s, [] {});
    } catch (asyncio::RuntimeError const&) {
        call_later_refused = true;
    }
    loop.call_soon_threadsafe([&] { loop.stop(); });
    runner.join();
    CHECK(message.rfind("Non-thread-safe operation invoked on an event loop other than the current one", 0) == 0);
    CHECK(call_later_refused);
}

// ---- the lesson program ---------------------------------------------------------------

TEST_CASE("the slow_callback lesson program reports the blocking callback and the blocking task step", "[ch11][slow-callback]") {
    auto const result = testing::run_example("ch11_slow_callback");
    INFO(result.out << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("Executing <Handle slow_callback.cpp:") != std::string::npos);
    // It blocked in its only step, so it is finished by the time the loop reports it.
    CHECK(result.err.find("Executing <Task finished name='blocking' coro='blocking_fetch'") != std::string::npos);
    CHECK(result.err.find("name='polite'") == std::string::npos);
}
