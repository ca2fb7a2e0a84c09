// Chapter 11: Lock, Event and Semaphore, after CPython's Lib/test/test_asyncio/test_locks.py:
// FIFO hand-over, release of an unlocked lock, the flag of an Event, the count of a
// Semaphore, and what every primitive must survive: a waiter cancelled while it waits,
// and one cancelled after it was woken but before it ran. Every test runs the loop on a
// virtual clock, one iteration at a time, so "still waiting" is exact.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/locks.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <testing/drive.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using testing::drive;

namespace {

using Log = std::vector<std::string>;

// A loop on a virtual clock and a way to let it run until nothing more can happen.
struct Fixture {
    testing::VirtualClock clock;
    testing::Loop loop{clock};
    void settle(int iterations = 20) {
        for (int i = 0; i < iterations; ++i) loop.run_once();
    }
    ~Fixture() {
        // Tasks still waiting (on a broken primitive) are cancelled, not abandoned.
        for (auto& task : asyncio::all_tasks(loop)) task.cancel();
        settle();
    }
};

template <class Primitive>
asyncio::Coro<void> take(Primitive& primitive, std::string name, Log& log) {
    co_await primitive.acquire();
    log.push_back(name);
}

asyncio::Coro<void> wait_for_event(asyncio::Event& event, std::string name, Log& log) {
    co_await event.wait();
    log.push_back(name);
}

}  // namespace

// ---- Lock (given) ----------------------------------------------------------------------

TEST_CASE("a free lock is acquired at once and releasing an unlocked lock raises RuntimeError", "[ch11]") {
    asyncio::Lock lock;
    CHECK_FALSE(lock.locked());
    CHECK_THROWS_AS(lock.release(), asyncio::RuntimeError);
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, lock.acquire());
    CHECK(lock.locked());
    lock.release();
    CHECK_FALSE(lock.locked());
}

TEST_CASE("a lock goes to its waiters one at a time in the order they asked", "[ch11]") {
    asyncio::Lock lock;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, lock.acquire());
    auto a = asyncio::create_task(f.loop, take(lock, "a", log));
    auto b = asyncio::create_task(f.loop, take(lock, "b", log));
    auto c = asyncio::create_task(f.loop, take(lock, "c", log));
    f.settle();
    CHECK(log.empty());
    for (std::string const expected : {"a", "b", "c"}) {
        lock.release();
        f.settle();
        CHECK(log.back() == expected);
        CHECK(lock.locked());
    }
    CHECK(log == Log{"a", "b", "c"});
    lock.release();
    CHECK_FALSE(lock.locked());
}

namespace {

asyncio::Coro<void> release_then_take(asyncio::Lock& lock, Log& log) {
    lock.release();  // hands the lock to the waiter, which has not run yet
    CHECK_FALSE(lock.locked());
    co_await lock.acquire();  // so this must wait its turn, although the lock looks free
    log.push_back("newcomer");
    lock.release();
}

}  // namespace

TEST_CASE("a newcomer does not overtake the waiter a released lock was handed to", "[ch11]") {
    asyncio::Lock lock;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, lock.acquire());
    auto first = asyncio::create_task(f.loop, take(lock, "waiter", log));
    f.settle();
    auto newcomer = asyncio::create_task(f.loop, release_then_take(lock, log));
    f.settle();
    CHECK(log == Log{"waiter"});  // the waiter holds it; the newcomer waits
    CHECK_FALSE(newcomer.done());
    lock.release();
    f.settle();
    CHECK(log == Log{"waiter", "newcomer"});
    CHECK(newcomer.done());
}

TEST_CASE("a lock waiter cancelled after its wake-up hands the lock to the next waiter", "[ch11]") {
    asyncio::Lock lock;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, lock.acquire());
    auto woken = asyncio::create_task(f.loop, take(lock, "woken", log));
    auto next = asyncio::create_task(f.loop, take(lock, "next", log));
    f.settle();
    lock.release();  // wakes `woken`...
    woken.cancel();  // ...which is cancelled before it runs
    f.settle();
    CHECK(woken.cancelled());
    REQUIRE(next.done());
    CHECK(log == Log{"next"});
    CHECK(lock.locked());
}

TEST_CASE("a lock waiter cancelled while it waits leaves the lock to the others", "[ch11]") {
    asyncio::Lock lock;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, lock.acquire());
    auto gone = asyncio::create_task(f.loop, take(lock, "gone", log));
    auto stays = asyncio::create_task(f.loop, take(lock, "stays", log));
    f.settle();
    gone.cancel();
    f.settle();
    CHECK(gone.cancelled());
    CHECK(lock.locked());
    lock.release();
    f.settle();
    CHECK(log == Log{"stays"});
    lock.release();
    CHECK_FALSE(lock.locked());
    drive(f.loop, lock.acquire());  // nobody is left in the queue: at once
    CHECK(lock.locked());
}

namespace {

// Read, wait, write: without the lock every task reads the same old value.
asyncio::Coro<void> add_one_slowly(asyncio::Lock& lock, int& counter) {
    auto held = co_await lock.hold();
    int const read = counter;
    co_await asyncio::sleep(1ms);
    counter = read + 1;
}

}  // namespace

TEST_CASE("lock hold makes a read and a write across an await atomic for the tasks that share it", "[ch11]") {
    asyncio::Lock lock;
    int counter = 0;
    std::vector<asyncio::Task<void>> tasks;
    Fixture f;  // after what its tasks use: its destructor still runs them
    for (int i = 0; i < 10; ++i) tasks.push_back(asyncio::create_task(f.loop, add_one_slowly(lock, counter)));
    testing::run_until(f.loop, [&] { return std::all_of(tasks.begin(), tasks.end(), [](auto& t) { return t.done(); }); });
    CHECK(counter == 10);
    CHECK_FALSE(lock.locked());
}

namespace {

asyncio::Coro<void> hold_and_throw(asyncio::Lock& lock, Log& log) {
    auto held = co_await lock.hold();
    log.push_back(lock.locked() ? "held" : "not held");
    throw std::runtime_error("the body failed");
}

}  // namespace

TEST_CASE("lock hold releases the lock when the guard goes even if the body throws", "[ch11]") {
    asyncio::Lock lock;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    CHECK_THROWS_WITH(drive(f.loop, hold_and_throw(lock, log)), "the body failed");
    CHECK(log == Log{"held"});
    CHECK_FALSE(lock.locked());
}

// ---- event -----------------------------------------------------------------------------

namespace {

asyncio::Coro<void> set_then_wait(asyncio::Event& event, asyncio::EventLoop& loop, Log& log) {
    event.set();
    loop.call_soon([&log] { log.push_back("a callback scheduled before the wait"); });
    co_await event.wait();
    log.push_back("waited");
}

}  // namespace

TEST_CASE("event wait returns at once without a loop iteration when the event is set", "[ch11][event]") {
    asyncio::Event event;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, set_then_wait(event, f.loop, log));
    CHECK(event.is_set());
    REQUIRE_FALSE(log.empty());
    CHECK(log.front() == "waited");  // the callback had no chance to run before
}

TEST_CASE("event set wakes every waiter and is_set tells the flag", "[ch11][event]") {
    asyncio::Event event;
    Log log;
    CHECK_FALSE(event.is_set());
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, wait_for_event(event, "a", log));
    auto b = asyncio::create_task(f.loop, wait_for_event(event, "b", log));
    auto c = asyncio::create_task(f.loop, wait_for_event(event, "c", log));
    f.settle();
    CHECK(log.empty());
    CHECK_FALSE(a.done());
    event.set();
    CHECK(event.is_set());
    f.settle();
    CHECK(log == Log{"a", "b", "c"});
    event.set();  // set twice: nothing more happens
    f.settle();
    CHECK(log.size() == 3);
}

TEST_CASE("after clear a new event waiter waits until the next set", "[ch11][event]") {
    asyncio::Event event;
    Log log;
    event.set();
    event.clear();
    CHECK_FALSE(event.is_set());
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto late = asyncio::create_task(f.loop, wait_for_event(event, "late", log));
    f.settle();
    CHECK_FALSE(late.done());
    event.set();
    f.settle();
    CHECK(late.done());
    CHECK(log == Log{"late"});
}

TEST_CASE("event waiters woken by set still run when clear comes before they do", "[ch11][event]") {
    asyncio::Event event;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, wait_for_event(event, "a", log));
    f.settle();
    event.set();
    event.clear();  // a was woken already: it must not wait again
    f.settle();
    CHECK(a.done());
    CHECK(log == Log{"a"});
    CHECK_FALSE(event.is_set());
}

TEST_CASE("an event waiter cancelled before set leaves the others to be woken", "[ch11][event]") {
    asyncio::Event event;
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto gone = asyncio::create_task(f.loop, wait_for_event(event, "gone", log));
    auto stays = asyncio::create_task(f.loop, wait_for_event(event, "stays", log));
    f.settle();
    gone.cancel();
    // Its future is cancelled but its task has not run yet: set() must skip it.
    CHECK_NOTHROW(event.set());
    f.settle();
    CHECK(gone.cancelled());
    CHECK(stays.done());
    CHECK_NOTHROW(stays.result());
    CHECK(log == Log{"stays"});
}

// ---- semaphore -------------------------------------------------------------------------

TEST_CASE("a semaphore with a negative value is rejected and a bounded one cannot be released above its value", "[ch11][semaphore]") {
    CHECK_THROWS_AS(asyncio::Semaphore(-1), std::invalid_argument);
    asyncio::BoundedSemaphore bounded(1);
    CHECK_THROWS_AS(bounded.release(), std::invalid_argument);
    Fixture f;  // after what its tasks use: its destructor still runs them
    drive(f.loop, bounded.acquire());
    CHECK(bounded.value() == 0);
    bounded.release();
    CHECK(bounded.value() == 1);
    CHECK_THROWS_AS(bounded.release(), std::invalid_argument);
    CHECK(bounded.value() == 1);
}

TEST_CASE("a semaphore lets value acquirers through at once and the next one waits", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(2);
    Log log;
    CHECK(semaphore.value() == 2);
    CHECK_FALSE(semaphore.locked());
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, take(semaphore, "a", log));
    auto b = asyncio::create_task(f.loop, take(semaphore, "b", log));
    auto c = asyncio::create_task(f.loop, take(semaphore, "c", log));
    f.settle();
    CHECK(log == Log{"a", "b"});
    CHECK_FALSE(c.done());
    CHECK(semaphore.value() == 0);
    CHECK(semaphore.locked());
    semaphore.release();
    f.settle();
    CHECK(log == Log{"a", "b", "c"});
    CHECK(semaphore.value() == 0);
}

TEST_CASE("a semaphore release wakes one waiter only and in the order they asked", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(0);
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, take(semaphore, "a", log));
    auto b = asyncio::create_task(f.loop, take(semaphore, "b", log));
    auto c = asyncio::create_task(f.loop, take(semaphore, "c", log));
    f.settle();
    CHECK(log.empty());
    semaphore.release();
    f.settle();
    CHECK(log == Log{"a"});
    CHECK_FALSE(b.done());
    CHECK_FALSE(c.done());
    CHECK(semaphore.value() == 0);
    semaphore.release();
    semaphore.release();
    f.settle();
    CHECK(log == Log{"a", "b", "c"});
    CHECK(semaphore.value() == 0);
}

TEST_CASE("a semaphore release with nobody waiting keeps the slot for a later acquire", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(0);
    Log log;
    semaphore.release();
    semaphore.release();
    CHECK(semaphore.value() == 2);
    CHECK_FALSE(semaphore.locked());
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto a = asyncio::create_task(f.loop, take(semaphore, "a", log));
    auto b = asyncio::create_task(f.loop, take(semaphore, "b", log));
    auto c = asyncio::create_task(f.loop, take(semaphore, "c", log));
    f.settle();
    CHECK(log == Log{"a", "b"});
    CHECK_FALSE(c.done());
    CHECK(semaphore.value() == 0);
}

TEST_CASE("a newcomer does not overtake a semaphore waiter that was woken", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(0);
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto waiter = asyncio::create_task(f.loop, take(semaphore, "waiter", log));
    f.settle();
    semaphore.release();  // the slot is promised to the waiter, which has not run yet
    CHECK(semaphore.locked());
    auto newcomer = asyncio::create_task(f.loop, take(semaphore, "newcomer", log));
    f.settle();
    CHECK(log == Log{"waiter"});
    CHECK_FALSE(newcomer.done());
    semaphore.release();
    f.settle();
    CHECK(log == Log{"waiter", "newcomer"});
}

namespace {

asyncio::Coro<void> release_twice_then_take(asyncio::Semaphore& semaphore, Log& log) {
    semaphore.release();  // the waiter's slot
    semaphore.release();  // a free slot, while the woken waiter has not run yet
    CHECK(semaphore.value() == 1);
    CHECK(semaphore.locked());  // FIFO: the woken waiter goes first
    co_await semaphore.acquire();
    log.push_back("newcomer");
}

}  // namespace

TEST_CASE("a semaphore newcomer waits its turn even while a slot is free", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(0);
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto waiter = asyncio::create_task(f.loop, take(semaphore, "waiter", log));
    f.settle();
    drive(f.loop, release_twice_then_take(semaphore, log));
    CHECK(log == Log{"waiter", "newcomer"});
    CHECK(semaphore.value() == 0);
}

TEST_CASE("a semaphore waiter cancelled after its wake-up passes the slot to the next waiter", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(0);
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto woken = asyncio::create_task(f.loop, take(semaphore, "woken", log));
    auto next = asyncio::create_task(f.loop, take(semaphore, "next", log));
    auto last = asyncio::create_task(f.loop, take(semaphore, "last", log));
    f.settle();
    semaphore.release();  // wakes `woken`...
    woken.cancel();       // ...which is cancelled before it runs
    f.settle();
    CHECK(woken.cancelled());
    CHECK(log == Log{"next"});
    CHECK_FALSE(last.done());  // one slot, one taker
    CHECK(semaphore.value() == 0);
}

TEST_CASE("a semaphore waiter cancelled while it waits leaves the count as it was", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(0);
    Log log;
    Fixture f;  // after what its tasks use: its destructor still runs them
    auto gone = asyncio::create_task(f.loop, take(semaphore, "gone", log));
    auto stays = asyncio::create_task(f.loop, take(semaphore, "stays", log));
    f.settle();
    gone.cancel();
    f.settle();
    CHECK(gone.cancelled());
    CHECK(semaphore.value() == 0);
    CHECK(semaphore.locked());
    semaphore.release();
    f.settle();
    CHECK(log == Log{"stays"});
    CHECK(semaphore.value() == 0);
    semaphore.release();
    CHECK(semaphore.value() == 1);
    CHECK_FALSE(semaphore.locked());
}

namespace {

asyncio::Coro<void> worker(asyncio::Semaphore& semaphore, int& running, int& most) {
    auto held = co_await semaphore.hold();
    ++running;
    most = std::max(most, running);
    co_await asyncio::sleep(10ms);
    --running;
}

}  // namespace

TEST_CASE("semaphore hold keeps at most value holders at a time and gives every slot back", "[ch11][semaphore]") {
    asyncio::Semaphore semaphore(3);
    int running = 0, most = 0;
    std::vector<asyncio::Task<void>> workers;
    Fixture f;  // after what its tasks use: its destructor still runs them
    for (int i = 0; i < 10; ++i) workers.push_back(asyncio::create_task(f.loop, worker(semaphore, running, most)));
    testing::run_until(f.loop, [&] {
        for (auto const& w : workers)
            if (!w.done()) return false;
        return true;
    });
    for (auto const& w : workers) CHECK(w.done());
    CHECK(most == 3);
    CHECK(running == 0);
    CHECK(semaphore.value() == 3);
    CHECK_FALSE(semaphore.locked());
}
