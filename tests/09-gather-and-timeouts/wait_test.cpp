// Chapter 09: wait and as_completed, after CPython's Lib/test/test_asyncio/test_tasks.py
// (test_wait_*, test_as_completed_*).
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait.hpp>

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

asyncio::Coro<int> fail_after(std::chrono::milliseconds delay, std::string message) {
    co_await asyncio::sleep(delay);
    throw std::runtime_error(message);
}

std::vector<asyncio::Task<int>> tasks_after(asyncio::EventLoop& loop, std::vector<int> delays_ms) {
    std::vector<asyncio::Task<int>> tasks;
    for (int ms : delays_ms) tasks.push_back(asyncio::create_task(loop, after(std::chrono::milliseconds(ms), ms)));
    return tasks;
}

std::vector<int> values(std::vector<asyncio::Task<int>> const& tasks) {
    std::vector<int> result;
    for (auto const& task : tasks) result.push_back(task.result());
    return result;
}

}  // namespace

// ---- wait ----------------------------------------------------------------------------

TEST_CASE("wait returns when all are done with every future done and none pending", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto tasks = tasks_after(loop, {30, 10, 20});
    auto main = [&]() -> asyncio::Coro<void> {
        auto [done, pending] = co_await asyncio::wait(tasks);
        CHECK(testing::ms_since(loop, start) == 30);
        CHECK(values(done) == std::vector<int>{30, 10, 20});  // the order given
        CHECK(pending.empty());
    };
    drive(loop, main());
}

TEST_CASE("wait with FIRST_COMPLETED returns after the first and cancels nothing", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto tasks = tasks_after(loop, {30, 10, 20});
    auto main = [&]() -> asyncio::Coro<void> {
        auto [done, pending] = co_await asyncio::wait(tasks, {.return_when = asyncio::FIRST_COMPLETED});
        CHECK(testing::ms_since(loop, start) == 10);
        CHECK(values(done) == std::vector<int>{10});
        REQUIRE(pending.size() == 2);
        CHECK(pending[0] == tasks[0]);
        CHECK(pending[1] == tasks[2]);
        auto [rest, none] = co_await asyncio::wait(pending);
        CHECK(values(rest) == std::vector<int>{30, 20});
        CHECK(none.empty());
    };
    drive(loop, main());
}

TEST_CASE("wait with FIRST_EXCEPTION returns at the first failure and a cancellation is not one", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    auto const start = loop.time();
    std::vector<asyncio::Task<int>> tasks{asyncio::create_task(loop, after(10ms, 1)),
                                          asyncio::create_task(loop, after(100ms, 2)),
                                          asyncio::create_task(loop, fail_after(30ms, "broke")),
                                          asyncio::create_task(loop, after(50ms, 4))};
    loop.call_later(20ms, [victim = tasks[1]]() mutable { victim.cancel(); });
    auto main = [&]() -> asyncio::Coro<void> {
        auto [done, pending] = co_await asyncio::wait(tasks, {.return_when = asyncio::FIRST_EXCEPTION});
        CHECK(testing::ms_since(loop, start) == 30);
        REQUIRE(done.size() == 3);
        CHECK(done[0].result() == 1);
        CHECK(done[1].cancelled());
        CHECK_THROWS_WITH(done[2].result(), "broke");
        REQUIRE(pending.size() == 1);
        CHECK(pending[0] == tasks[3]);
    };
    drive(loop, main());
    // Asking a cancelled future for its exception throws: nothing may have been logged.
    CHECK(log.messages == std::vector<std::string>{});
}

TEST_CASE("wait with FIRST_EXCEPTION and no exception waits for all", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto tasks = tasks_after(loop, {5, 15});
    auto main = [&]() -> asyncio::Coro<void> {
        auto [done, pending] = co_await asyncio::wait(tasks, {.return_when = asyncio::FIRST_EXCEPTION});
        CHECK(testing::ms_since(loop, start) == 15);
        CHECK(done.size() == 2);
        CHECK(pending.empty());
    };
    drive(loop, main());
}

TEST_CASE("wait with a timeout returns at the timeout and leaves the pending ones running", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    auto tasks = tasks_after(loop, {10, 100});
    auto main = [&]() -> asyncio::Coro<void> {
        auto [done, pending] = co_await asyncio::wait(tasks, {.timeout = 40ms});
        CHECK(testing::ms_since(loop, start) == 40);
        CHECK(values(done) == std::vector<int>{10});
        REQUIRE(pending.size() == 1);
        CHECK_FALSE(pending[0].cancelled());
        CHECK(co_await pending[0] == 100);
    };
    drive(loop, main());
}

TEST_CASE("wait of futures that are all done returns them at the next iteration", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<asyncio::Future<int>> futures(2, asyncio::Future<int>(loop));
    futures[1] = asyncio::Future<int>(loop);
    futures[0].set_result(1);
    futures[1].set_result(2);
    auto main = [&]() -> asyncio::Coro<std::size_t> {
        auto [done, pending] = co_await asyncio::wait(futures, {.timeout = 1h});
        co_return done.size() * 10 + pending.size();
    };
    auto const start = loop.time();
    CHECK(drive(loop, main()) == 20);
    CHECK(testing::ms_since(loop, start) == 0);
}

TEST_CASE("wait of an empty set raises ValueError", "[ch09]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto main = [&]() -> asyncio::Coro<void> {
        (void)co_await asyncio::wait(std::vector<asyncio::Task<int>>{});
    };
    CHECK_THROWS_AS(drive(loop, main()), asyncio::ValueError);
}

// ---- as_completed --------------------------------------------------------------------

TEST_CASE("as_completed gives the results in the order they finish each when it finishes", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    std::vector<std::string> log;
    auto main = [&]() -> asyncio::Coro<void> {
        std::vector<asyncio::Coro<int>> fetches;
        for (int ms : {30, 10, 20}) fetches.push_back(after(std::chrono::milliseconds(ms), ms));
        // region: as-completed-loop
        for (auto next : asyncio::as_completed(std::move(fetches))) {
            int const value = co_await next;  // the first to finish comes first
            log.push_back(std::to_string(value) + " at " + std::to_string(testing::ms_since(loop, start)));
        }
        // endregion
    };
    drive(loop, main());
    CHECK(log == std::vector<std::string>{"10 at 10", "20 at 20", "30 at 30"});
}

TEST_CASE("as_completed raises a child's exception at its turn and goes on with the others", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto main = [&]() -> asyncio::Coro<void> {
        std::vector<asyncio::Coro<int>> children;
        children.push_back(after(20ms, 2));
        children.push_back(fail_after(10ms, "first to fail"));
        for (auto next : asyncio::as_completed(std::move(children))) {
            try {
                log.push_back(std::to_string(co_await next));
            } catch (std::runtime_error const& error) {
                log.push_back(error.what());
            }
        }
    };
    drive(loop, main());
    CHECK(log == std::vector<std::string>{"first to fail", "2"});
}

TEST_CASE("as_completed with a timeout gives what finished before it then TimeoutError for each of the rest", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto const start = loop.time();
    std::vector<std::string> log;
    auto tasks = tasks_after(loop, {10, 50, 60});
    auto main = [&]() -> asyncio::Coro<void> {
        for (auto next : asyncio::as_completed(tasks, 30ms)) {
            try {
                log.push_back(std::to_string(co_await next));
            } catch (asyncio::TimeoutError const&) {
                log.push_back("timeout at " + std::to_string(testing::ms_since(loop, start)));
            }
        }
    };
    drive(loop, main());
    CHECK(log == std::vector<std::string>{"10", "timeout at 30", "timeout at 30"});
    CHECK_FALSE(tasks[1].cancelled());  // as in Python: the tasks are the caller's
}

TEST_CASE("as_completed hands out a result that finished before it was asked for without waiting", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto tasks = tasks_after(loop, {5, 10});
    auto main = [&]() -> asyncio::Coro<std::vector<int>> {
        auto completed = asyncio::as_completed(tasks);
        co_await asyncio::sleep(20ms);  // both finish meanwhile
        auto const asked = loop.time();
        std::vector<int> results;
        for (auto next : completed) results.push_back(co_await next);
        CHECK(loop.time() == asked);
        co_return results;
    };
    CHECK(drive(loop, main()) == std::vector<int>{5, 10});
}

TEST_CASE("as_completed of nothing gives nothing", "[ch09]") {
    auto completed = asyncio::as_completed(std::vector<asyncio::Task<int>>{});
    CHECK(completed.size() == 0);
    CHECK(completed.begin() == completed.end());
}

TEST_CASE("several nexts of as_completed awaited at once each get a result", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto tasks = tasks_after(loop, {20, 10});
    auto main = [&]() -> asyncio::Coro<int> {
        auto completed = asyncio::as_completed(tasks);
        // Both wait before either future is done: they must share the waiting.
        auto [first, second] = co_await asyncio::gather(completed.next(), completed.next());
        co_return first * 100 + second;
    };
    CHECK(drive(loop, main()) == 1020);
}

TEST_CASE("a wait whose task is cancelled while a done-callback is already scheduled ends cleanly", "[ch09][wait]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    testing::HandlerLog log(loop);
    asyncio::Future<int> first(loop);
    asyncio::Future<int> second(loop);
    auto main = [&]() -> asyncio::Coro<void> {
        std::vector<asyncio::Future<int>> futures{first, second};
        (void)co_await asyncio::wait(futures);
    };
    auto task = asyncio::create_task(loop, main());
    testing::run_until(loop, [] { return false; }, 3);
    // In one go: first's done-callback is scheduled, then the waiting task is cancelled
    // and its frame destroyed before that callback runs.
    loop.call_soon([&] {
        first.set_result(1);
        task.cancel();
    });
    testing::run_until(loop, [&] { return task.done(); }, 100);
    CHECK(task.cancelled());
    second.set_result(2);  // its callback was removed: nothing may run for it
    testing::run_until(loop, [] { return false; }, 3);
    CHECK(log.messages == std::vector<std::string>{});  // else Catch shows what was logged
}

TEST_CASE("after the timeout as_completed still hands out what finished before it and nothing that finished after", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    std::vector<std::string> log;
    auto tasks = tasks_after(loop, {10, 50, 100});
    auto main = [&]() -> asyncio::Coro<void> {
        auto completed = asyncio::as_completed(tasks, 30ms);
        co_await asyncio::sleep(40ms);  // 10 finished before the timeout; nobody asked yet
        for (auto next : completed) {
            try {
                log.push_back(std::to_string(co_await next));
            } catch (asyncio::TimeoutError const&) {
                log.push_back("timeout");
            }
            co_await asyncio::sleep(30ms);  // meanwhile 50 finishes, after the timeout
        }
    };
    drive(loop, main());
    CHECK(log == std::vector<std::string>{"10", "timeout", "timeout"});
}

TEST_CASE("once every future has finished as_completed's timer no longer keeps the loop busy", "[ch09][as-completed]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    auto tasks = tasks_after(loop, {1, 2});
    auto main = [&]() -> asyncio::Coro<int> {
        int sum = 0;
        for (auto next : asyncio::as_completed(tasks, 1h)) sum += co_await next;
        co_return sum;
    };
    CHECK(drive(loop, main()) == 3);
    clock.waits.clear();
    loop.run_once();
    REQUIRE_FALSE(clock.waits.empty());
    CHECK_FALSE(clock.waits.back().has_value());  // no timer left: wait for fds only
}
