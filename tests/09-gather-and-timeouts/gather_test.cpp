// Chapter 09: gather, after CPython's Lib/test/test_asyncio/test_tasks.py (GatherTestsBase,
// test_gather_*): results in argument order, concurrency, the first exception,
// return_exceptions, cancellation both ways, and scale.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/result.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <testing/drive.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using testing::drive;
using testing::Loop;

namespace {

asyncio::Coro<int> after(std::chrono::milliseconds delay, int value, std::vector<int>* finished = nullptr) {
    co_await asyncio::sleep(delay);
    if (finished != nullptr) finished->push_back(value);
    co_return value;
}

asyncio::Coro<int> fail_after(std::chrono::milliseconds delay, std::string message) {
    co_await asyncio::sleep(delay);
    throw std::runtime_error(message);
}

asyncio::Coro<void> nap(std::chrono::milliseconds delay) { co_await asyncio::sleep(delay); }

}  // namespace

// ---- gather --------------------------------------------------------------------------

TEST_CASE("gather returns the results in argument order whatever order the children finish in", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<int> finished;
    auto const start = loop.time();
    auto main = [&]() -> asyncio::Coro<std::tuple<int, int, int>> {
        co_return co_await asyncio::gather(after(30ms, 1, &finished), after(10ms, 2, &finished),
                                           after(20ms, 3, &finished));
    };
    auto const [a, b, c] = drive(loop, main());
    CHECK(finished == std::vector<int>{2, 3, 1});
    CHECK(a == 1);
    CHECK(b == 2);
    CHECK(c == 3);
    // Concurrently: the longest child's time, not the sum.
    CHECK(testing::ms_since(loop, start) == 30);
}

TEST_CASE("gather of a vector of coroutines runs them concurrently and keeps the vector's order", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto main = [&]() -> asyncio::Coro<std::vector<int>> {
        std::vector<asyncio::Coro<int>> children;
        for (int i = 0; i < 5; ++i) children.push_back(after(std::chrono::milliseconds(50 - 10 * i), i));
        co_return co_await asyncio::gather(std::move(children));
    };
    CHECK(drive(loop, main()) == std::vector<int>{0, 1, 2, 3, 4});
    CHECK(testing::ms_since(loop, start) == 50);
}

TEST_CASE("gather starts its children in argument order", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> started;
    auto child = [&](std::string name) -> asyncio::Coro<void> {
        started.push_back(name);
        co_return;
    };
    auto main = [&]() -> asyncio::Coro<void> {
        (void)co_await asyncio::gather(child("a"), child("b"), child("c"));
    };
    drive(loop, main());
    CHECK(started == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("gather of nothing is done at once", "[ch09]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = []() -> asyncio::Coro<std::size_t> {
        auto none = asyncio::gather();
        CHECK(none.done());
        (void)co_await none;
        auto empty = asyncio::gather(std::vector<asyncio::Coro<int>>{});
        CHECK(empty.done());
        co_return (co_await empty).size();
    };
    CHECK(drive(loop, main()) == 0);
}

TEST_CASE("gather of one child gives a tuple of one result", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = []() -> asyncio::Coro<int> { co_return std::get<0>(co_await asyncio::gather(after(5ms, 7))); };
    CHECK(drive(loop, main()) == 7);
}

TEST_CASE("a void child gives an empty std::monostate in its slot", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = []() -> asyncio::Coro<int> {
        auto [first, nothing, last] = co_await asyncio::gather(after(1ms, 1), nap(2ms), after(3ms, 3));
        static_assert(std::is_same_v<decltype(nothing), std::monostate>);
        co_return first + last;
    };
    CHECK(drive(loop, main()) == 4);
}

TEST_CASE("gather of tasks and futures waits for them and gives their results", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = [&]() -> asyncio::Coro<int> {
        auto task = asyncio::create_task(after(10ms, 10));
        asyncio::Future<int> future;
        loop.call_later(20ms, [future]() mutable { future.set_result(20); });
        auto [a, b] = co_await asyncio::gather(task, future);
        co_return a + b;
    };
    auto const start = loop.time();
    CHECK(drive(loop, main()) == 30);
    CHECK(testing::ms_since(loop, start) == 20);
}

TEST_CASE("gather of the same task twice gives its result in both slots", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = [&]() -> asyncio::Coro<int> {
        auto task = asyncio::create_task(after(10ms, 21));
        auto [a, b] = co_await asyncio::gather(task, task);
        co_return a + b;
    };
    CHECK(drive(loop, main()) == 42);
}

TEST_CASE("a gather of gathers nests its results", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = [&]() -> asyncio::Coro<int> {
        auto [pair, single] = co_await asyncio::gather(asyncio::gather(after(2ms, 1), after(1ms, 2)), after(3ms, 3));
        auto [x, y] = pair;
        co_return x * 100 + y * 10 + single;
    };
    CHECK(drive(loop, main()) == 123);
}

TEST_CASE("the first exception of a child is raised by gather at once while the others keep running", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<int> finished;
    auto const start = loop.time();
    long long raised_at = -1;
    asyncio::Future<std::tuple<int, int, int>> gathering(loop);
    auto main = [&]() -> asyncio::Coro<std::string> {
        gathering = asyncio::gather(after(50ms, 1, &finished), fail_after(10ms, "second failed"),
                                    fail_after(20ms, "third failed"));
        try {
            (void)co_await gathering;
        } catch (std::runtime_error const& error) {
            raised_at = testing::ms_since(loop, start);
            co_return error.what();
        }
        co_return "no exception";
    };
    CHECK(drive(loop, main()) == "second failed");
    CHECK(raised_at == 10);
    CHECK(finished.empty());
    // The others were not cancelled (Python's gather; a TaskGroup would cancel them).
    testing::run_until(loop, [&] { return !finished.empty(); });
    CHECK(finished == std::vector<int>{1});
    CHECK(testing::ms_since(loop, start) == 50);
    CHECK_FALSE(gathering.cancelled());
}

TEST_CASE("a child that fails after the gather has failed is not reported as never retrieved", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    auto main = [&]() -> asyncio::Coro<void> {
        try {
            (void)co_await asyncio::gather(fail_after(1ms, "first"), fail_after(2ms, "second"));
        } catch (std::runtime_error const&) {
        }
        co_await asyncio::sleep(10ms);  // the second fails meanwhile; its task is freed
    };
    drive(loop, main());
    loop.close();
    CHECK(log.messages == std::vector<std::string>{});  // else Catch shows what was logged
}

TEST_CASE("a child cancelled after the gather has failed is not reported either", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    auto slow = asyncio::create_task(loop, after(1h, 1));
    auto gathering = asyncio::gather(asyncio::create_task(loop, fail_after(1ms, "first")), slow);
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    CHECK_THROWS_WITH(gathering.result(), "first");
    slow.cancel();  // its done-callback reaches a gather that has failed already
    testing::run_until(loop, [&] { return slow.done(); }, 100);
    testing::run_until(loop, [] { return false; }, 3);
    CHECK(log.messages == std::vector<std::string>{});  // else Catch shows what was logged
}

TEST_CASE("with return_exceptions every slot holds its child's value or exception", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto main = [&]() -> asyncio::Coro<std::tuple<asyncio::Result<int>, asyncio::Result<int>, asyncio::Result<void>>> {
        co_return co_await asyncio::gather(asyncio::return_exceptions, fail_after(5ms, "boom"), after(20ms, 2), nap(10ms));
    };
    auto [failed, value, nothing] = drive(loop, main());
    // Not raised at the first failure: all of them were waited for.
    CHECK(testing::ms_since(loop, start) == 20);
    REQUIRE(failed.has_exception());
    CHECK_THROWS_WITH(failed.get(), "boom");
    REQUIRE(value.has_value());
    CHECK(value.get() == 2);
    CHECK(nothing.has_value());
}

TEST_CASE("with return_exceptions a child cancelled from outside is a CancelledError in its slot", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = [&]() -> asyncio::Coro<std::vector<asyncio::Result<int>>> {
        std::vector<asyncio::Task<int>> tasks;
        for (int i = 0; i < 3; ++i) tasks.push_back(asyncio::create_task(after(std::chrono::milliseconds(10 * (i + 1)), i)));
        loop.call_later(15ms, [victim = tasks[1]]() mutable { victim.cancel("not this one"); });
        co_return co_await asyncio::gather(asyncio::return_exceptions, tasks);
    };
    auto results = drive(loop, main());
    REQUIRE(results.size() == 3);
    CHECK(results[0].get() == 0);
    REQUIRE(results[1].has_exception());
    CHECK_THROWS_AS(results[1].get(), asyncio::CancelledError);
    CHECK_THROWS_WITH(results[1].get(), "not this one");
    CHECK(results[2].get() == 2);
}

TEST_CASE("a gather of 100000 tasks completes and frees every frame", "[ch09][gather]") {
    std::size_t const live_before = asyncio::frame_stats().live.load();
    {
        testing::VirtualClock clock;
        Loop loop(clock);
        auto main = []() -> asyncio::Coro<long long> {
            std::vector<asyncio::Coro<int>> children;
            for (int i = 0; i < 100'000; ++i) {
                children.push_back([](int i) -> asyncio::Coro<int> {
                    co_await asyncio::sleep(0s);
                    co_return i;
                }(i));
            }
            std::vector<int> const results = co_await asyncio::gather(std::move(children));
            long long sum = 0;
            for (std::size_t i = 0; i < results.size(); ++i) {
                if (results[i] != static_cast<int>(i)) co_return -1;
                sum += results[i];
            }
            co_return sum;
        };
        CHECK(drive(loop, main(), 100) == 99'999LL * 100'000 / 2);
    }
    CHECK(asyncio::frame_stats().live.load() == live_before);
}

// ---- gather-cancel -------------------------------------------------------------------

TEST_CASE("cancelling a gather cancels every child still running and the gather ends cancelled", "[ch09][gather-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<int> finished;
    auto first = asyncio::create_task(loop, after(5ms, 1, &finished));
    auto second = asyncio::create_task(loop, after(50ms, 2, &finished));
    auto third = asyncio::create_task(loop, after(60ms, 3, &finished));
    auto gathering = asyncio::gather(first, second, third);
    testing::run_until(loop, [&] { return first.done(); });
    CHECK(gathering.cancel("enough"));
    CHECK_FALSE(gathering.done());  // the children answer the cancel at their next step
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    REQUIRE(gathering.done());
    CHECK(gathering.cancelled());
    CHECK(first.result() == 1);
    CHECK(second.cancelled());
    CHECK(third.cancelled());
    CHECK(finished == std::vector<int>{1});
    CHECK_THROWS_WITH(gathering.result(), "enough");
    CHECK_FALSE(gathering.cancel());  // done: nothing more to cancel
}

TEST_CASE("cancelling a gather whose children are all done says false", "[ch09][gather-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto child = asyncio::create_task(loop, after(1ms, 1));
    testing::run_until(loop, [&] { return child.done(); });
    auto gathering = asyncio::gather(child);
    CHECK_FALSE(gathering.cancel());
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    CHECK(std::get<0>(gathering.result()) == 1);
}

TEST_CASE("cancelling the task that awaits a gather cancels the gather's children", "[ch09][gather-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto child = [&](std::string name) -> asyncio::Coro<int> {
        try {
            co_await asyncio::sleep(100ms);
        } catch (asyncio::CancelledError const& error) {
            log.push_back(name + " cancelled: " + error.what());
            throw;
        }
        co_return 0;
    };
    auto main = [&]() -> asyncio::Coro<void> {
        try {
            (void)co_await asyncio::gather(child("a"), child("b"));
        } catch (asyncio::CancelledError const&) {
            log.push_back("main cancelled");
            throw;
        }
    };
    auto task = asyncio::create_task(loop, main());
    loop.call_later(10ms, [task]() mutable { task.cancel("shutdown"); });
    testing::run_until(loop, [&] { return task.done(); }, 100);
    REQUIRE(task.done());
    CHECK(task.cancelled());
    CHECK(log == std::vector<std::string>{"a cancelled: shutdown", "b cancelled: shutdown", "main cancelled"});
}

TEST_CASE("without return_exceptions a child cancelled from outside makes the gather raise CancelledError", "[ch09][gather-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<int> finished;
    auto victim = asyncio::create_task(loop, after(50ms, 1, &finished));
    auto other = asyncio::create_task(loop, after(30ms, 2, &finished));
    auto gathering = asyncio::gather(victim, other);
    loop.call_later(10ms, [victim]() mutable { victim.cancel("from outside"); });
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    REQUIRE(gathering.done());
    CHECK_FALSE(gathering.cancelled());  // nobody cancelled the gather itself
    CHECK_THROWS_AS(gathering.result(), asyncio::CancelledError);
    CHECK_THROWS_WITH(gathering.result(), "from outside");
    CHECK_FALSE(other.done());  // still running
    testing::run_until(loop, [&] { return other.done(); }, 100);
    CHECK(other.result() == 2);
}

TEST_CASE("with return_exceptions a cancelled gather still ends cancelled", "[ch09][gather-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto slow = asyncio::create_task(loop, after(50ms, 1));
    auto fast = asyncio::create_task(loop, fail_after(1ms, "early"));
    auto gathering = asyncio::gather(asyncio::return_exceptions, slow, fast);
    testing::run_until(loop, [&] { return fast.done(); });
    CHECK(gathering.cancel());
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    CHECK(gathering.cancelled());
    CHECK(slow.cancelled());
}

TEST_CASE("a child that raises after another child was cancelled leaves the gather's CancelledError and is not logged", "[ch09][gather-cancel]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    auto victim = asyncio::create_task(loop, after(50ms, 1));
    auto failing = asyncio::create_task(loop, fail_after(20ms, "too late"));
    auto gathering = asyncio::gather(victim, failing);
    loop.call_later(10ms, [victim]() mutable { victim.cancel(); });
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    CHECK_THROWS_AS(gathering.result(), asyncio::CancelledError);
    testing::run_until(loop, [&] { return failing.done(); }, 100);
    CHECK_THROWS_AS(gathering.result(), asyncio::CancelledError);
    testing::run_until(loop, [] { return false; }, 5);
    loop.close();
    CHECK(log.messages == std::vector<std::string>{});  // else Catch shows what was logged
}

TEST_CASE("with return_exceptions values exceptions and cancellations sit side by side", "[ch09][gather]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto value = asyncio::create_task(loop, after(5ms, 5));
    auto error = asyncio::create_task(loop, fail_after(5ms, "bad"));
    auto cancelled = asyncio::create_task(loop, after(50ms, 0));
    auto gathering = asyncio::gather(asyncio::return_exceptions, value, error, cancelled);
    loop.call_later(10ms, [cancelled]() mutable { cancelled.cancel("stop"); });
    testing::run_until(loop, [&] { return gathering.done(); }, 100);
    REQUIRE(gathering.done());
    CHECK_FALSE(gathering.cancelled());
    auto const& [v, e, c] = gathering.result();
    CHECK(v.get() == 5);
    CHECK_THROWS_WITH(e.get(), "bad");
    CHECK_THROWS_AS(c.get(), asyncio::CancelledError);
}
