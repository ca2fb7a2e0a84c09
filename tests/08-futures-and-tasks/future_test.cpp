// Chapter 08: Future<T>, after CPython's Lib/test/test_asyncio/test_futures.py: its
// states, its done-callbacks (always through call_soon) and `co_await future`.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/spawn.hpp>
#include <asyncio/task.hpp>

#include <testing/virtual_time_loop.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using Loop = testing::VirtualTimeLoop<asyncio::selectors::SelectSelector>;

TEST_CASE("a new future is pending and result and exception say it is not done", "[ch08][future-result]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    CHECK_FALSE(future.done());
    CHECK_FALSE(future.cancelled());
    CHECK_THROWS_AS(future.result(), asyncio::InvalidStateError);
    CHECK_THROWS_AS(future.exception(), asyncio::InvalidStateError);
}

TEST_CASE("a future with a result is done and returns it as often as asked", "[ch08][future-result]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<std::string> future(loop);
    future.set_result("forty-two");
    CHECK(future.done());
    CHECK_FALSE(future.cancelled());
    CHECK(future.result() == "forty-two");
    CHECK(future.result() == "forty-two");  // read, not taken
    CHECK(future.exception() == nullptr);
}

TEST_CASE("a future with an exception rethrows it from result and returns it from exception", "[ch08][future-result]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    future.set_exception(std::runtime_error("broken"));
    CHECK(future.done());
    CHECK_THROWS_WITH(future.result(), "broken");
    CHECK_THROWS_WITH(future.result(), "broken");
    std::exception_ptr const error = future.exception();
    REQUIRE(error != nullptr);
    CHECK_THROWS_AS(std::rethrow_exception(error), std::runtime_error);
}

TEST_CASE("setting a result or an exception twice is an InvalidStateError and keeps the first", "[ch08][future-result]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    future.set_result(1);
    CHECK_THROWS_AS(future.set_result(2), asyncio::InvalidStateError);
    CHECK_THROWS_AS(future.set_exception(std::runtime_error("late")), asyncio::InvalidStateError);
    CHECK(future.result() == 1);
    asyncio::Future<void> failed(loop);
    failed.set_exception(std::runtime_error("first"));
    CHECK_THROWS_AS(failed.set_result(), asyncio::InvalidStateError);
    CHECK_THROWS_WITH(failed.result(), "first");
}

TEST_CASE("a cancelled future raises CancelledError with the cancel message", "[ch08][future-result]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    CHECK(future.cancel("no longer needed"));
    CHECK(future.cancelled());
    CHECK(future.done());
    CHECK_THROWS_WITH(future.result(), "no longer needed");
    CHECK_THROWS_AS(future.exception(), asyncio::CancelledError);
    CHECK_THROWS_AS(future.set_result(3), asyncio::InvalidStateError);  // set_result on a cancelled future
}

TEST_CASE("cancel on a done future returns false and changes nothing", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    future.set_result(5);
    CHECK_FALSE(future.cancel());
    CHECK_FALSE(future.cancelled());
    CHECK(future.result() == 5);
    asyncio::Future<int> twice(loop);
    CHECK(twice.cancel());
    CHECK_FALSE(twice.cancel());
}

TEST_CASE("done-callbacks are scheduled with call_soon and never called from inside set_result", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<int> seen;
    (void)future.add_done_callback([&](asyncio::Future<int> const& done) { seen.push_back(done.result()); });
    future.set_result(7);
    CHECK(seen.empty());  // set_result returned before any callback ran
    loop.run_once();
    CHECK(seen == std::vector<int>{7});
}

TEST_CASE("done-callbacks run in the order they were added after the callbacks already ready", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<void> future(loop);
    std::vector<std::string> log;
    (void)loop.call_soon([&] { log.push_back("ready before"); });
    for (std::string name : {"first", "second", "third"})
        (void)future.add_done_callback([&log, name](asyncio::FutureBase const&) { log.push_back(name); });
    future.set_result();
    loop.run_once();
    CHECK(log == std::vector<std::string>{"ready before", "first", "second", "third"});
}

TEST_CASE("a callback added to a done future is scheduled at once and cancel schedules callbacks too", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    int calls = 0;
    future.cancel();
    (void)future.add_done_callback([&](asyncio::FutureBase const& done) {
        CHECK(done.cancelled());
        ++calls;
    });
    CHECK(calls == 0);
    loop.run_once();
    CHECK(calls == 1);
    asyncio::Future<int> other(loop);
    (void)other.add_done_callback([&](asyncio::FutureBase const&) { ++calls; });
    other.cancel();
    loop.run_once();
    CHECK(calls == 2);
}

TEST_CASE("remove_done_callback removes a callback that has not run and says how many it removed", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto const a = future.add_done_callback([&](asyncio::FutureBase const&) { log.push_back("a"); });
    (void)future.add_done_callback([&](asyncio::FutureBase const&) { log.push_back("b"); });
    CHECK(future.remove_done_callback(a) == 1);
    CHECK(future.remove_done_callback(a) == 0);
    future.set_result(1);
    loop.run_once();
    CHECK(log == std::vector<std::string>{"b"});
}

TEST_CASE("a done-callback that throws goes to the loop's exception handler and the others still run", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> messages;
    loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
        messages.push_back(asyncio::describe_exception(context.exception));
    });
    asyncio::Future<int> future(loop);
    bool second = false;
    (void)future.add_done_callback([](asyncio::FutureBase const&) { throw std::runtime_error("callback failed"); });
    (void)future.add_done_callback([&](asyncio::FutureBase const&) { second = true; });
    future.set_result(1);
    loop.run_once();
    CHECK(second);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0] == "std::runtime_error: callback failed");
}

TEST_CASE("a done-callback that sets another future does not run that future's callbacks inline", "[ch08][future-callbacks]") {
    // The re-entrancy the call_soon rule prevents: b's callbacks would otherwise run in
    // the middle of a's set_result, before its caller has finished what it was doing.
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> a(loop);
    asyncio::Future<int> b(loop);
    std::vector<std::string> log;
    (void)a.add_done_callback([&](asyncio::FutureBase const&) {
        b.set_result(2);
        log.push_back("a's callback returned");
    });
    (void)b.add_done_callback([&](asyncio::FutureBase const&) { log.push_back("b's callback"); });
    a.set_result(1);
    log.push_back("set_result returned");
    loop.run_once();
    loop.run_once();
    CHECK(log == std::vector<std::string>{"set_result returned", "a's callback returned", "b's callback"});
}

namespace {

asyncio::Coro<int> await_future(asyncio::Future<int> future, std::vector<std::string>& log) {
    log.push_back("waits");
    int const value = co_await future;
    log.push_back("got " + std::to_string(value));
    co_return value * 10;
}

}  // namespace

TEST_CASE("co_await on a pending future suspends the task until the future has a result", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, await_future(future, log));
    testing::run_until(loop, [&] { return !log.empty(); });
    for (int i = 0; i < 3; ++i) loop.run_once();
    CHECK(log == std::vector<std::string>{"waits"});
    CHECK_FALSE(task.done());
    future.set_result(4);
    testing::run_until(loop, [&] { return task.done(); }, 10);
    CHECK(log == std::vector<std::string>{"waits", "got 4"});
    CHECK(task.result() == 40);
}

TEST_CASE("co_await on a done future does not suspend", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    future.set_result(3);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, await_future(future, log));
    loop.run_once();  // the first step runs the body to the end
    CHECK(task.done());
    CHECK(task.result() == 30);
}

TEST_CASE("co_await on a future that fails rethrows its exception in the awaiting coroutine", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, await_future(future, log));
    loop.run_once();
    future.set_exception(std::runtime_error("no data"));
    testing::run_until(loop, [&] { return task.done(); }, 10);
    REQUIRE(task.done());
    CHECK_THROWS_WITH(task.result(), "no data");
}

TEST_CASE("co_await on a future from a coroutine that is not in a task resumes it too", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    auto spawned = asyncio::spawn(loop, await_future(future, log));  // chapter 07's stand-in
    loop.run_once();
    future.set_result(2);
    testing::run_until(loop, [&] { return spawned.done(); }, 10);
    REQUIRE(spawned.done());
    CHECK(spawned.result() == 20);
}

TEST_CASE("awaiting a future of another loop is a RuntimeError in the awaiting coroutine", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    Loop other(clock);
    asyncio::Future<int> foreign(other);
    std::vector<std::string> log;
    auto task = asyncio::create_task(loop, await_future(foreign, log));
    testing::run_until(loop, [&] { return task.done(); }, 10);
    REQUIRE(task.done());
    CHECK_THROWS_AS(task.result(), asyncio::RuntimeError);
}

TEST_CASE("a task awaiting itself gets a RuntimeError instead of waiting for ever", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto self_awaiting = []() -> asyncio::Coro<void> {
        asyncio::AnyTask me = *asyncio::current_task();
        co_await asyncio::Future<void>(me.state());
    };
    auto task = asyncio::create_task(loop, self_awaiting());
    testing::run_until(loop, [&] { return task.done(); }, 10);
    REQUIRE(task.done());
    std::string message;
    try {
        task.result();
    } catch (asyncio::RuntimeError const& error) {
        message = error.what();
    }
    CHECK(message.find("cannot await on itself") != std::string::npos);
}

TEST_CASE("a coroutine destroyed while it awaits a future is not resumed when the future completes", "[ch08][future-await]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<int> future(loop);
    std::vector<std::string> log;
    {
        auto spawned = asyncio::spawn(loop, await_future(future, log));  // not in a task
        loop.run_once();
        REQUIRE(log == std::vector<std::string>{"waits"});
    }  // its frame is destroyed while it waits
    future.set_result(1);
    loop.run_once();  // the done-callback runs and must not resume the freed frame (ASan)
    CHECK(log == std::vector<std::string>{"waits"});
}
