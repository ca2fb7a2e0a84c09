// Chapter 04, steps scheduler-run and yield-now: a queue of suspended coroutines
// resumed in turn, and an awaitable that goes to the back of that queue. Together they
// make coroutines interleave the way asyncio tasks do.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/manual_scheduler.hpp>
#include <asyncio/sync_wait.hpp>

#include <coroutine>
#include <stdexcept>
#include <string>
#include <vector>

using asyncio::Coro;
using asyncio::ManualScheduler;

namespace {

using Log = std::vector<std::string>;

std::size_t live_frames() {
    return asyncio::frame_stats().live.load();
}

Coro<void> record(Log& log, std::string entry) {
    log.push_back(std::move(entry));
    co_return;
}

Coro<void> spawns_another(Log& log) {
    log.push_back("parent");
    ManualScheduler::running().spawn(record(log, "child"));
    co_return;
}

Coro<void> fails(Log& log) {
    log.push_back("fails");
    throw std::runtime_error("worker crashed");
    co_return;
}

Coro<int> add(int a, int b) {
    co_return a + b;
}

Coro<void> parks_forever(Log& log) {
    log.push_back("parked");
    co_await std::suspend_always{};
    log.push_back("never");
}

Coro<int> main_parks_forever(Log& log) {
    co_await parks_forever(log);
    co_return 0;
}

Coro<void> runs_a_nested_scheduler(bool& refused) {
    ManualScheduler inner;
    try {
        inner.run();
    } catch (asyncio::RuntimeError const&) {
        refused = true;
    }
    co_return;
}

Coro<void> worker(Log& log, std::string name, int steps) {
    for (int i = 1; i <= steps; ++i) {
        log.push_back(name + std::to_string(i));
        co_await asyncio::yield_now();
    }
    log.push_back(name + " done");
}

// yield_now deep inside nested Coros: the handle that goes into the queue is the
// innermost coroutine's, and when it finishes, control returns up the chain.
Coro<void> download(Log& log, std::string name) {
    log.push_back(name + " downloading");
    co_await asyncio::yield_now();
    log.push_back(name + " downloaded");
}

Coro<void> fetch(Log& log, std::string name) {
    co_await download(log, name);
    log.push_back(name + " processed");
}

Coro<void> yields_outside_a_scheduler() {
    co_await asyncio::yield_now();
}

}  // namespace

TEST_CASE("spawned coroutines run in the order they were spawned", "[ch04][scheduler-run]") {
    Log log;
    ManualScheduler scheduler;
    scheduler.spawn(record(log, "first"));
    scheduler.spawn(record(log, "second"));
    scheduler.spawn(record(log, "third"));
    CHECK(log.empty());  // spawning queues them; only run() runs them
    scheduler.run();
    CHECK(log == Log{"first", "second", "third"});
}

TEST_CASE("a coroutine spawned by a running coroutine runs after those already queued", "[ch04][scheduler-run]") {
    Log log;
    ManualScheduler scheduler;
    scheduler.spawn(spawns_another(log));
    scheduler.spawn(record(log, "queued before the child"));
    scheduler.run();
    CHECK(log == Log{"parent", "queued before the child", "child"});
}

TEST_CASE("run_until_complete returns the value of the main coroutine", "[ch04][scheduler-run]") {
    ManualScheduler scheduler;
    CHECK(scheduler.run_until_complete(add(40, 2)) == 42);
}

TEST_CASE("an exception in a spawned coroutine comes out of run after the others finished", "[ch04][scheduler-run]") {
    Log log;
    ManualScheduler scheduler;
    scheduler.spawn(fails(log));
    scheduler.spawn(record(log, "still runs"));
    CHECK_THROWS_WITH(scheduler.run(), "worker crashed");
    CHECK(log == Log{"fails", "still runs"});
}

TEST_CASE("run_until_complete of a main coroutine that waits forever throws RuntimeError", "[ch04][scheduler-run]") {
    Log log;
    std::size_t const frames_before = live_frames();
    {
        ManualScheduler scheduler;
        CHECK_THROWS_AS(scheduler.run_until_complete(main_parks_forever(log)), asyncio::RuntimeError);
    }
    CHECK(log == Log{"parked"});
    CHECK(live_frames() == frames_before);
}

TEST_CASE("a scheduler destroyed with coroutines still waiting frees their frames", "[ch04][scheduler-run]") {
    Log log;
    std::size_t const frames_before = live_frames();
    {
        ManualScheduler scheduler;
        scheduler.spawn(parks_forever(log));
        scheduler.spawn(parks_forever(log));
        scheduler.run();
        CHECK(log == Log{"parked", "parked"});
        CHECK(live_frames() == frames_before + 2);
    }
    CHECK(live_frames() == frames_before);
}

TEST_CASE("running a scheduler inside a running scheduler throws RuntimeError", "[ch04][scheduler-run]") {
    bool refused = false;
    ManualScheduler scheduler;
    scheduler.spawn(runs_a_nested_scheduler(refused));
    scheduler.run();
    CHECK(refused);
}

TEST_CASE("two coroutines that yield take turns like asyncio tasks", "[ch04][yield-now]") {
    Log log;
    ManualScheduler scheduler;
    scheduler.spawn(worker(log, "A", 3));
    scheduler.spawn(worker(log, "B", 2));
    scheduler.run();
    CHECK(log == Log{"A1", "B1", "A2", "B2", "A3", "B done", "A done"});
}

TEST_CASE("yield_now inside nested Coros suspends the whole chain until its turn", "[ch04][yield-now]") {
    Log log;
    ManualScheduler scheduler;
    scheduler.spawn(fetch(log, "example.com"));
    scheduler.spawn(fetch(log, "example.org"));
    scheduler.run();
    CHECK(log == Log{"example.com downloading", "example.org downloading", "example.com downloaded",
                     "example.com processed", "example.org downloaded", "example.org processed"});
}

TEST_CASE("yield_now outside a running scheduler throws RuntimeError", "[ch04][yield-now]") {
    CHECK_THROWS_AS(asyncio::sync_wait(yields_outside_a_scheduler()), asyncio::RuntimeError);
}
