// Chapter 08: tasks, after CPython's Lib/test/test_asyncio/test_tasks.py: steps, names,
// results and exceptions, and cancellation delivered at the co_await.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <testing/virtual_time_loop.hpp>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using Loop = testing::VirtualTimeLoop<asyncio::selectors::SelectSelector>;

namespace {

asyncio::Coro<int> answer() { co_return 42; }

asyncio::Coro<void> wait_for_future(asyncio::Future<int> future, std::vector<std::string>& log) {
    try {
        log.push_back("waiting");
        (void)co_await future;
        log.push_back("not cancelled");
    } catch (asyncio::CancelledError const& error) {
        log.push_back(std::string("cancelled: ") + error.what());
        throw;
    }
}

}  // namespace

TEST_CASE("create_task runs nothing until the loop runs its first step", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    bool ran = false;
    auto body = [&]() -> asyncio::Coro<void> {
        ran = true;
        co_return;
    };
    auto task = asyncio::create_task(loop, body());
    CHECK_FALSE(ran);
    CHECK_FALSE(task.done());
    loop.run_once();
    CHECK(ran);
    CHECK(task.done());
}

TEST_CASE("a task's result is its coroutine's value and its exception the coroutine's exception", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto ok = asyncio::create_task(loop, answer());
    auto failing = [&]() -> asyncio::Coro<int> {
        co_await asyncio::sleep(1ms);
        throw std::runtime_error("task failed");
    };
    auto bad = asyncio::create_task(loop, failing());
    testing::run_until(loop, [&] { return ok.done() && bad.done(); });
    REQUIRE(ok.done());
    REQUIRE(bad.done());
    CHECK(ok.result() == 42);
    CHECK_FALSE(bad.cancelled());
    CHECK_THROWS_WITH(bad.result(), "task failed");
}

TEST_CASE("a task awaiting another task gets its value when that one finishes", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto producer = [&]() -> asyncio::Coro<std::string> {
        co_await asyncio::sleep(10ms);
        co_return "data";
    };
    auto consumer = [&](asyncio::Task<std::string> from) -> asyncio::Coro<std::size_t> {
        std::string const data = co_await from;
        co_return data.size();
    };
    auto p = asyncio::create_task(loop, producer());
    auto c = asyncio::create_task(loop, consumer(p));
    testing::run_until(loop, [&] { return c.done(); });
    REQUIRE(c.done());
    CHECK(c.result() == 4);
}

TEST_CASE("an exception thrown three co_awaits deep comes out of the task", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto level3 = []() -> asyncio::Coro<int> {
        co_await asyncio::sleep(1ms);
        throw std::out_of_range("level 3");
    };
    auto level2 = [&]() -> asyncio::Coro<int> { co_return co_await level3(); };
    auto level1 = [&]() -> asyncio::Coro<int> { co_return co_await level2(); };
    auto task = asyncio::create_task(loop, level1());
    testing::run_until(loop, [&] { return task.done(); });
    REQUIRE(task.done());
    CHECK_THROWS_AS(task.result(), std::out_of_range);
}

TEST_CASE("tasks are named Task-N by default and can be renamed", "[ch08]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto a = asyncio::create_task(loop, answer());
    auto b = asyncio::create_task(loop, answer(), "fetcher");
    CHECK(a.get_name().rfind("Task-", 0) == 0);
    CHECK(b.get_name() == "fetcher");
    b.set_name("renamed");
    CHECK(b.get_name() == "renamed");
    auto c = asyncio::create_task(loop, answer());
    CHECK(std::stoull(c.get_name().substr(5)) > std::stoull(a.get_name().substr(5)));
    testing::run_until(loop, [&] { return a.done() && b.done() && c.done(); });
}

TEST_CASE("current_task is the running task inside a step and nothing outside one", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    CHECK_FALSE(asyncio::current_task().has_value());
    std::string seen;
    auto body = [&]() -> asyncio::Coro<void> {
        co_await asyncio::sleep(1ms);
        seen = asyncio::current_task()->get_name();
    };
    auto task = asyncio::create_task(loop, body(), "me");
    testing::run_until(loop, [&] { return task.done(); });
    CHECK(seen == "me");
    CHECK_FALSE(asyncio::current_task().has_value());
}

TEST_CASE("all_tasks lists the pending tasks and a task nobody holds still runs", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    int finished = 0;
    auto body = [&]() -> asyncio::Coro<void> {
        co_await asyncio::sleep(5ms);
        ++finished;
    };
    (void)asyncio::create_task(loop, body(), "dropped");  // the loop keeps it alive
    auto kept = asyncio::create_task(loop, body(), "kept");
    auto const tasks = asyncio::all_tasks(loop);
    REQUIRE(tasks.size() == 2);
    CHECK(tasks[0].get_name() == "dropped");
    CHECK(tasks[1].get_name() == "kept");
    testing::run_until(loop, [&] { return finished == 2; });
    CHECK(finished == 2);
    CHECK(asyncio::all_tasks(loop).empty());
}

TEST_CASE("ten thousand tasks ping-pong through futures without the stack growing", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    constexpr int n = 10'000;
    std::vector<asyncio::Future<int>> futures;
    for (int i = 0; i <= n; ++i) futures.emplace_back(loop);
    std::uintptr_t lowest = UINTPTR_MAX, highest = 0;
    auto relay = [&](int i) -> asyncio::Coro<void> {
        int const value = co_await futures[i];
        // (A local variable would live in the coroutine frame, on the heap: ask for the
        // stack frame of the function that resumed the coroutine instead.)
        auto const here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
        lowest = std::min(lowest, here);
        highest = std::max(highest, here);
        futures[i + 1].set_result(value + 1);
    };
    std::vector<asyncio::Task<void>> tasks;
    for (int i = 0; i < n; ++i) tasks.push_back(asyncio::create_task(loop, relay(i)));
    loop.run_once();  // every task waits on its future
    futures[0].set_result(0);
    testing::run_until(loop, [&] { return futures[n].done(); }, 5 * n);
    REQUIRE(futures[n].done());
    CHECK(futures[n].result() == n);
    // Each wake-up is a callback of its own, run from the loop: the stack depth at the
    // relay is the same every time (a chain of inline calls would go 10,000 frames deep).
    CHECK(highest - lowest < 4096);
}

TEST_CASE("cancelling a task that waits on a future cancels that future and raises CancelledError at the co_await", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, wait_for_future(future, log));
    loop.run_once();
    CHECK(task.cancel("stop now"));
    CHECK(future.cancelled());
    CHECK_FALSE(task.done());  // a request: the coroutine has not answered yet
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(log == std::vector<std::string>{"waiting", "cancelled: stop now"});
    CHECK(task.cancelled());
    CHECK_THROWS_WITH(task.result(), "stop now");
}

TEST_CASE("a task cancelled before its first step never runs its body and ends cancelled", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    bool ran = false;
    auto body = [&]() -> asyncio::Coro<int> {
        ran = true;
        co_return 1;
    };
    auto task = asyncio::create_task(loop, body());
    CHECK(task.cancel());
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK_FALSE(ran);
    CHECK(task.cancelled());
    CHECK_THROWS_AS(task.result(), asyncio::CancelledError);
}

TEST_CASE("a coroutine may catch CancelledError and carry on and its task then finishes normally", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto stubborn = [&]() -> asyncio::Coro<std::string> {
        bool cancelled = false;
        try {
            co_await asyncio::sleep(1h);
        } catch (asyncio::CancelledError const&) {
            cancelled = true;  // (no co_await inside a handler: C++ forbids it)
        }
        if (!cancelled) co_return "slept";
        co_await asyncio::sleep(1ms);  // clean-up that itself awaits
        co_return "cleaned up and carried on";
    };
    auto task = asyncio::create_task(loop, stubborn());
    loop.run_once();
    CHECK(task.cancel());
    testing::run_until(loop, [&] { return task.done(); });
    REQUIRE(task.done());
    CHECK_FALSE(task.cancelled());
    CHECK(task.result() == "cleaned up and carried on");
}

TEST_CASE("cancelling a done task returns false and cancelling twice is harmless", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto done = asyncio::create_task(loop, answer());
    loop.run_once();
    CHECK_FALSE(done.cancel());
    CHECK(done.result() == 42);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, wait_for_future(future, log));
    loop.run_once();
    CHECK(task.cancel("once"));
    CHECK(task.cancel("twice"));  // still pending: Python returns True as well
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(task.cancelled());
    CHECK_FALSE(task.cancel());
}

TEST_CASE("a task that cancels itself gets CancelledError at its next co_await", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto body = [&]() -> asyncio::Coro<void> {
        asyncio::current_task()->cancel("by myself");
        log.push_back("still running");
        try {
            co_await asyncio::sleep(1h);
            log.push_back("slept");
        } catch (asyncio::CancelledError const& error) {
            log.push_back(error.what());
            throw;
        }
    };
    auto task = asyncio::create_task(loop, body());
    testing::run_until(loop, [&] { return task.done(); }, 20);
    CHECK(log == std::vector<std::string>{"still running", "by myself"});
    CHECK(task.cancelled());
}

TEST_CASE("cancel during a task's last step makes it end cancelled instead of with its value", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto body = [&]() -> asyncio::Coro<int> {
        asyncio::current_task()->cancel();
        co_return 1;
    };
    auto task = asyncio::create_task(loop, body());
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(task.cancelled());
}

TEST_CASE("cancel after the awaited future is done but before the task resumed is still delivered", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, wait_for_future(future, log));
    loop.run_once();
    future.set_result(1);  // the wake-up is scheduled, not run
    CHECK(task.cancel("too late for the future"));
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(log == std::vector<std::string>{"waiting", "cancelled: too late for the future"});
    CHECK(task.cancelled());
}

TEST_CASE("awaiting a cancelled task raises CancelledError in the awaiter and cancelling the awaiter cancels the awaited task", "[ch08][task-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto sleeper = []() -> asyncio::Coro<int> {
        co_await asyncio::sleep(1h);
        co_return 0;
    };
    auto awaiter = [](asyncio::Task<int> inner) -> asyncio::Coro<std::string> {
        try {
            (void)co_await inner;
        } catch (asyncio::CancelledError const&) {
            co_return "saw CancelledError";
        }
        co_return "no error";
    };
    auto inner = asyncio::create_task(loop, sleeper());
    auto outer = asyncio::create_task(loop, awaiter(inner));
    loop.run_once();
    inner.cancel();
    testing::run_until(loop, [&] { return outer.done(); });
    REQUIRE(outer.done());
    CHECK(outer.result() == "saw CancelledError");

    auto inner2 = asyncio::create_task(loop, sleeper());
    auto outer2 = asyncio::create_task(loop, sleeper());
    auto chain = asyncio::create_task(loop, awaiter(inner2));
    loop.run_once();
    chain.cancel();  // chain waits on inner2: cancelling chain cancels inner2
    testing::run_until(loop, [&] { return inner2.done(); });
    CHECK(inner2.cancelled());
    outer2.cancel();
    testing::run_until(loop, [&] { return chain.done() && outer2.done(); });
}

TEST_CASE("cancelling a sleeping task cancels its timer so the loop has nothing left to wait for", "[ch08][sleep-future]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto sleeper = []() -> asyncio::Coro<void> { co_await asyncio::sleep(1h); };
    auto task = asyncio::create_task(loop, sleeper());
    loop.run_once();
    clock.waits.clear();
    loop.run_once();
    REQUIRE(clock.waits.size() == 1);
    REQUIRE(clock.waits[0].has_value());  // the one-hour timer is scheduled
    task.cancel();
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(task.cancelled());
    clock.waits.clear();
    loop.run_once();
    REQUIRE(clock.waits.size() == 1);
    CHECK_FALSE(clock.waits[0].has_value());  // no timer left: wait for ever (for fds)
}

TEST_CASE("a task sleeps on the loop's clock for exactly its delay", "[ch08][sleep-future]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = clock.now;
    asyncio::TimePoint woke{};
    auto body = [&]() -> asyncio::Coro<void> {
        co_await asyncio::sleep(250ms);
        woke = loop.time();
    };
    auto task = asyncio::create_task(loop, body());
    testing::run_until(loop, [&] { return task.done(); });
    REQUIRE(task.done());
    CHECK(woke == start + 250ms);
}

TEST_CASE("a task cancelled in sleep(0) gets CancelledError there", "[ch08][sleep-future]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    bool caught = false;
    auto body = [&]() -> asyncio::Coro<void> {
        try {
            co_await asyncio::sleep(0s);
        } catch (asyncio::CancelledError const&) {
            caught = true;
            throw;
        }
    };
    auto task = asyncio::create_task(loop, body());
    loop.run_once();
    task.cancel();
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(caught);
    CHECK(task.cancelled());
}

TEST_CASE("closing the loop with tasks pending frees every coroutine frame", "[ch08]") {
    auto const live_before = asyncio::frame_stats().live.load();
    std::vector<std::string> messages;
    {
        testing::VirtualClock clock;
        Loop loop(clock);
        loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
            messages.push_back(context.message);
        });
        asyncio::Future<int> never(loop);
        std::vector<std::string> log;
        auto nested = [&]() -> asyncio::Coro<void> { co_await wait_for_future(never, log); };
        auto a = asyncio::create_task(loop, nested());
        auto b = asyncio::create_task(loop, []() -> asyncio::Coro<void> { co_await asyncio::sleep(1h); }());
        auto c = asyncio::create_task(loop, answer());  // never even started
        loop.run_once();
        loop.close();
        CHECK_FALSE(a.done());
    }
    CHECK(asyncio::frame_stats().live.load() == live_before);
    CHECK(messages.size() == 2);
    for (auto const& message : messages) CHECK(message.find("Task was destroyed but it is pending!") == 0);
}
