// Chapter 11: Queue<T>, after CPython's Lib/test/test_asyncio/test_queues.py: FIFO order,
// the non-waiting calls and their exceptions, get() waiting for a put(), put() waiting
// for room, join() and task_done(), and waiters cancelled while they wait or after they
// were woken. The loop runs on a virtual clock, one iteration at a time.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/queues.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <testing/drive.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using testing::drive;

namespace {

struct Fixture {
    testing::VirtualClock clock;
    testing::Loop loop{clock};
    void settle(int iterations = 20) {
        for (int i = 0; i < iterations; ++i) loop.run_once();
    }
    ~Fixture() {
        for (auto& task : asyncio::all_tasks(loop)) task.cancel();
        settle();
    }
};

asyncio::Coro<void> get_into(asyncio::Queue<int>& queue, std::vector<int>& got) {
    got.push_back(co_await queue.get());
}

asyncio::Coro<void> put_and_log(asyncio::Queue<int>& queue, int item, std::vector<int>& put) {
    co_await queue.put(item);
    put.push_back(item);
}

}  // namespace

TEST_CASE("queue get returns the items in the order they were put", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    auto producer = [](asyncio::Queue<int>& q) -> asyncio::Coro<void> {
        for (int i = 1; i <= 5; ++i) co_await q.put(i);
    };
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, producer(queue));
    CHECK(queue.qsize() == 5);
    std::vector<int> got;
    for (int i = 0; i < 5; ++i) drive(f.loop, get_into(queue, got));
    CHECK(got == std::vector<int>{1, 2, 3, 4, 5});
    CHECK(queue.empty());
}

TEST_CASE("queue nowait calls raise QueueEmpty and QueueFull and the sizes follow", "[ch11][queue]") {
    asyncio::Queue<std::string> queue(2);
    CHECK(queue.maxsize() == 2);
    CHECK(queue.empty());
    CHECK_FALSE(queue.full());
    CHECK_THROWS_AS(queue.get_nowait(), asyncio::QueueEmpty);
    queue.put_nowait("a");
    queue.put_nowait("b");
    CHECK(queue.qsize() == 2);
    CHECK(queue.full());
    CHECK_THROWS_AS(queue.put_nowait("c"), asyncio::QueueFull);
    CHECK(queue.qsize() == 2);
    CHECK(queue.get_nowait() == "a");
    CHECK(queue.get_nowait() == "b");
    CHECK_THROWS_AS(queue.get_nowait(), asyncio::QueueEmpty);

    asyncio::Queue<int> unbounded;  // maxsize 0: never full
    for (int i = 0; i < 1000; ++i) unbounded.put_nowait(i);
    CHECK_FALSE(unbounded.full());
    CHECK(unbounded.qsize() == 1000);
}

TEST_CASE("queue get waits for a put and the waiting getters are served first come first served", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    std::vector<int> first, second;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, get_into(queue, first));
    auto b = asyncio::create_task(f.loop, get_into(queue, second));
    f.settle();
    CHECK_FALSE(a.done());
    CHECK_FALSE(b.done());
    queue.put_nowait(7);
    f.settle();
    CHECK(a.done());
    CHECK(first == std::vector<int>{7});
    CHECK_FALSE(b.done());
    queue.put_nowait(8);
    f.settle();
    CHECK(second == std::vector<int>{8});
}

TEST_CASE("a queue getter keeps its place when an item wakes only the one ahead of it", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    std::vector<int> a_got, b_got, c_got;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, get_into(queue, a_got));
    auto b = asyncio::create_task(f.loop, get_into(queue, b_got));
    f.settle();
    queue.put_nowait(1);  // for a; b must stay where it is, ahead of any newcomer
    auto c = asyncio::create_task(f.loop, get_into(queue, c_got));
    f.settle();
    queue.put_nowait(2);
    f.settle();
    CHECK(a_got == std::vector<int>{1});
    CHECK(b_got == std::vector<int>{2});
    CHECK(c_got.empty());
    CHECK_FALSE(c.done());
}

TEST_CASE("queue put on a full queue waits until a get makes room", "[ch11][queue]") {
    asyncio::Queue<int> queue(1);
    std::vector<int> put;
    queue.put_nowait(1);
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto blocked = asyncio::create_task(f.loop, put_and_log(queue, 2, put));
    f.settle();
    CHECK_FALSE(blocked.done());
    CHECK(queue.qsize() == 1);
    CHECK(put.empty());
    CHECK(queue.get_nowait() == 1);
    f.settle();
    CHECK(blocked.done());
    CHECK(put == std::vector<int>{2});
    CHECK(queue.get_nowait() == 2);
}

namespace {

asyncio::Coro<void> join_and_log(asyncio::Queue<int>& queue, std::vector<std::string>& log) {
    co_await queue.join();
    log.push_back("joined");
}

}  // namespace

TEST_CASE("queue join returns only when every item put was marked task_done", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    std::vector<std::string> log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, join_and_log(queue, log));  // nothing put: at once
    CHECK(log == std::vector<std::string>{"joined"});
    log.clear();
    CHECK_THROWS_AS(queue.task_done(), std::invalid_argument);

    queue.put_nowait(1);
    queue.put_nowait(2);
    auto joiner = asyncio::create_task(f.loop, join_and_log(queue, log));
    auto second = asyncio::create_task(f.loop, join_and_log(queue, log));
    f.settle();
    CHECK(log.empty());
    queue.get_nowait();
    queue.get_nowait();
    f.settle();
    CHECK(log.empty());  // taken, not yet done
    queue.task_done();
    f.settle();
    CHECK(log.empty());
    queue.task_done();
    f.settle();
    CHECK(log == std::vector<std::string>{"joined", "joined"});
    CHECK_THROWS_AS(queue.task_done(), std::invalid_argument);
}

TEST_CASE("a queue getter cancelled while it waits leaves the item to the next getter", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    std::vector<int> gone_got, next_got;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto gone = asyncio::create_task(f.loop, get_into(queue, gone_got));
    auto next = asyncio::create_task(f.loop, get_into(queue, next_got));
    f.settle();
    gone.cancel();
    f.settle();
    CHECK(gone.cancelled());
    queue.put_nowait(5);
    f.settle();
    CHECK(next.done());
    CHECK(next_got == std::vector<int>{5});
    CHECK(queue.empty());
}

TEST_CASE("a queue getter cancelled after its wake-up passes the item on to the next getter", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    std::vector<int> woken_got, next_got;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto woken = asyncio::create_task(f.loop, get_into(queue, woken_got));
    auto next = asyncio::create_task(f.loop, get_into(queue, next_got));
    f.settle();
    queue.put_nowait(5);  // wakes `woken`...
    woken.cancel();       // ...which is cancelled before it runs
    f.settle();
    CHECK(woken.cancelled());
    CHECK(woken_got.empty());
    REQUIRE(next.done());
    CHECK(next_got == std::vector<int>{5});
    CHECK(queue.empty());
}

TEST_CASE("a queue putter cancelled after its wake-up passes the room on to the next putter", "[ch11][queue]") {
    asyncio::Queue<int> queue(1);
    std::vector<int> put;
    queue.put_nowait(0);
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto woken = asyncio::create_task(f.loop, put_and_log(queue, 1, put));
    auto next = asyncio::create_task(f.loop, put_and_log(queue, 2, put));
    f.settle();
    CHECK(queue.get_nowait() == 0);  // room: wakes `woken`...
    woken.cancel();                  // ...which is cancelled before it runs
    f.settle();
    CHECK(woken.cancelled());
    REQUIRE(next.done());
    CHECK(put == std::vector<int>{2});
    CHECK(queue.get_nowait() == 2);
}

TEST_CASE("a woken queue getter that finds the item gone waits again", "[ch11][queue]") {
    asyncio::Queue<int> queue;
    std::vector<int> got;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto getter = asyncio::create_task(f.loop, get_into(queue, got));
    f.settle();
    queue.put_nowait(1);             // wakes the getter...
    CHECK(queue.get_nowait() == 1);  // ...but someone else takes the item first
    f.settle();
    CHECK_FALSE(getter.done());  // not QueueEmpty: it waits for the next item
    queue.put_nowait(2);
    f.settle();
    CHECK(getter.done());
    CHECK(got == std::vector<int>{2});
}

TEST_CASE("a woken queue putter that finds the queue full again waits again", "[ch11][queue]") {
    asyncio::Queue<int> queue(1);
    std::vector<int> put;
    Fixture f;  // after what its tasks use: its destructor still runs them
    queue.put_nowait(0);
    auto putter = asyncio::create_task(f.loop, put_and_log(queue, 1, put));
    f.settle();
    CHECK(queue.get_nowait() == 0);  // room: wakes the putter...
    queue.put_nowait(9);             // ...but someone else fills it first
    f.settle();
    CHECK_FALSE(putter.done());  // not QueueFull: it waits for room again
    CHECK(queue.get_nowait() == 9);
    f.settle();
    CHECK(putter.done());
    CHECK(put == std::vector<int>{1});
    CHECK(queue.get_nowait() == 1);
}

TEST_CASE("a queue carries move-only items", "[ch11][queue]") {
    asyncio::Queue<std::unique_ptr<int>> queue(1);
    auto round_trip = [](asyncio::Queue<std::unique_ptr<int>>& q) -> asyncio::Coro<int> {
        co_await q.put(std::make_unique<int>(42));
        std::unique_ptr<int> item = co_await q.get();
        co_return *item;
    };
    Fixture f;  // after what its tasks use: its destructor still runs them
    CHECK(drive(f.loop, round_trip(queue)) == 42);
}

namespace {

// The shape of asyncio's queue example: workers take items until cancelled, mark each
// one done, and the producer joins the queue.
asyncio::Coro<void> consume(asyncio::Queue<int>& queue, std::vector<int>& processed) {
    while (true) {
        int const item = co_await queue.get();
        co_await asyncio::sleep(std::chrono::milliseconds(item % 3 + 1));
        processed.push_back(item);
        queue.task_done();
    }
}

asyncio::Coro<std::size_t> produce_and_join(asyncio::Queue<int>& queue, std::vector<int>& processed) {
    std::vector<asyncio::Task<void>> workers;
    for (int i = 0; i < 3; ++i) workers.push_back(asyncio::create_task(consume(queue, processed)));
    for (int item = 0; item < 20; ++item) co_await queue.put(item);
    co_await queue.join();
    std::size_t const done_at_join = processed.size();
    for (auto& worker : workers) worker.cancel();
    co_return done_at_join;
}

}  // namespace

TEST_CASE("workers that task_done every item they get let join return once all are processed", "[ch11][queue]") {
    asyncio::Queue<int> queue(4);
    std::vector<int> processed;
    Fixture f;  // after what its tasks use: its destructor still runs them
    CHECK(drive(f.loop, produce_and_join(queue, processed)) == 20);
    std::sort(processed.begin(), processed.end());
    std::vector<int> all(20);
    for (int i = 0; i < 20; ++i) all[static_cast<std::size_t>(i)] = i;
    CHECK(processed == all);
    CHECK(queue.empty());
}
