// Chapter 07: the timer queue on its own, without a loop: heap order, ties, lazy
// cancellation and its bound. Ported in spirit from CPython's test_base_events.py
// (timer handles, _run_once with cancelled timers) and libuv's test-timer.c (order,
// start_id ties).
#include <testing/catch.hpp>

#include <asyncio/timer_queue.hpp>

#include <chrono>
#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using asyncio::TimePoint;
using asyncio::TimerQueue;

namespace {

TimePoint const t0 = TimePoint(std::chrono::hours(1000));

// Runs what pop_due moved out; the callbacks record the order.
void run_all(std::deque<asyncio::Handle>& ready) {
    while (!ready.empty()) {
        ready.front().run();
        ready.pop_front();
    }
}

struct Recorder {
    std::vector<int> order;
    asyncio::Callback record(int id) {
        return [this, id] { order.push_back(id); };
    }
};

// A deterministic shuffle of deadlines (an LCG, as the peers' W3 uses).
std::vector<int> pseudo_random_ms(std::size_t count, std::uint64_t seed, int modulo) {
    std::vector<int> values;
    for (std::size_t i = 0; i < count; ++i) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        values.push_back(static_cast<int>((seed >> 33) % static_cast<std::uint64_t>(modulo)));
    }
    return values;
}

void fire_due(TimerQueue& queue, TimePoint now) {
    std::deque<asyncio::Handle> ready;
    queue.pop_due(now, ready);
    run_all(ready);
}

}  // namespace

TEST_CASE("timers come out of the queue in deadline order whatever the order of scheduling", "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    auto const deadlines = pseudo_random_ms(500, 7, 1000);
    for (std::size_t i = 0; i < deadlines.size(); ++i)
        (void)queue.push(t0 + std::chrono::milliseconds(deadlines[i]), recorder.record(deadlines[i]));
    CHECK(queue.size() == 500);
    fire_due(queue, t0 + 1000ms);
    REQUIRE(recorder.order.size() == 500);
    CHECK(std::is_sorted(recorder.order.begin(), recorder.order.end()));
    CHECK(queue.empty());
}

TEST_CASE("timers with equal deadlines come out in the order they were scheduled", "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    // Interleaved with other deadlines, so that a heap without the sequence number
    // (which is not stable) has every chance to mix them up.
    auto const others = pseudo_random_ms(64, 99, 10);
    for (int i = 0; i < 64; ++i) {
        (void)queue.push(t0 + 5ms, recorder.record(i));
        (void)queue.push(t0 + std::chrono::milliseconds(others[static_cast<std::size_t>(i)] < 5 ? 1 : 9),
                         recorder.record(-1));
    }
    std::deque<asyncio::Handle> ready;
    queue.pop_due(t0 + 1ms, ready);  // the early others
    run_all(ready);
    recorder.order.clear();
    queue.pop_due(t0 + 5ms, ready);
    run_all(ready);
    std::vector<int> expected;
    for (int i = 0; i < 64; ++i) expected.push_back(i);
    CHECK(recorder.order == expected);
}

TEST_CASE("pop_due moves only the timers whose deadline has come including one due exactly now",
          "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    (void)queue.push(t0 + 10ms, recorder.record(10));
    (void)queue.push(t0 + 20ms, recorder.record(20));
    (void)queue.push(t0 + 30ms, recorder.record(30));
    std::deque<asyncio::Handle> ready;
    queue.pop_due(t0 + 9ms, ready);
    CHECK(ready.empty());
    queue.pop_due(t0 + 20ms, ready);  // 20 ms is due at 20 ms: <=, not <
    CHECK(ready.size() == 2);
    run_all(ready);
    CHECK(recorder.order == std::vector<int>{10, 20});
    CHECK(queue.size() == 1);
}

TEST_CASE("pop_due appends behind what the ready queue already holds", "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    (void)queue.push(t0, recorder.record(2));
    std::deque<asyncio::Handle> ready;
    ready.push_back(asyncio::Handle(recorder.record(1)));
    queue.pop_due(t0, ready);
    run_all(ready);
    CHECK(recorder.order == std::vector<int>{1, 2});
}

TEST_CASE("a cancelled timer is not moved to the ready queue", "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    auto first = queue.push(t0 + 1ms, recorder.record(1));
    (void)queue.push(t0 + 2ms, recorder.record(2));
    first.cancel();
    std::deque<asyncio::Handle> ready;
    queue.pop_due(t0 + 5ms, ready);
    REQUIRE(ready.size() == 1);
    CHECK_FALSE(ready.front().cancelled());
    CHECK(queue.empty());
    CHECK(queue.cancelled_count() == 0);
}

TEST_CASE("a timer that has left the queue no longer counts as cancelled there", "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    auto timer = queue.push(t0, recorder.record(1));
    (void)queue.push(t0 + 1h, recorder.record(2));
    fire_due(queue, t0);
    timer.cancel();  // after it ran: harmless, and not counted (Python: _scheduled is False)
    CHECK(queue.cancelled_count() == 0);
    CHECK(queue.size() == 1);
}

TEST_CASE("cancelling a timer in the queue counts it once however often it is cancelled", "[ch07][timer-heap]") {
    TimerQueue queue;
    Recorder recorder;
    auto timer = queue.push(t0 + 1s, recorder.record(1));
    asyncio::Handle as_plain_handle = timer;  // a copy that has forgotten it is a timer
    timer.cancel();
    as_plain_handle.cancel();
    timer.cancel();
    CHECK(queue.cancelled_count() == 1);
    CHECK(as_plain_handle.cancelled());
}

TEST_CASE("push gives the timer handle its deadline", "[ch07][timer-heap]") {
    TimerQueue queue;
    auto timer = queue.push(t0 + 1500ms, [] {});
    CHECK(timer.when() == t0 + 1500ms);
    CHECK_FALSE(timer.cancelled());
}

TEST_CASE("earliest skips cancelled timers on top of the heap and drops them", "[ch07][timer-cancel]") {
    TimerQueue queue;
    auto a = queue.push(t0 + 1ms, [] {});
    auto b = queue.push(t0 + 2ms, [] {});
    (void)queue.push(t0 + 3ms, [] {});
    CHECK(queue.earliest() == t0 + 1ms);
    a.cancel();
    b.cancel();
    CHECK(queue.earliest() == t0 + 3ms);
    CHECK(queue.size() == 1);
    CHECK(queue.cancelled_count() == 0);
}

TEST_CASE("earliest of an empty queue or of one with only cancelled timers is nothing", "[ch07][timer-cancel]") {
    TimerQueue queue;
    CHECK_FALSE(queue.earliest().has_value());
    auto a = queue.push(t0, [] {});
    a.cancel();
    CHECK_FALSE(queue.earliest().has_value());
    CHECK(queue.empty());
}

TEST_CASE("a cancelled timer below the top stays in the heap until it surfaces", "[ch07][timer-cancel]") {
    TimerQueue queue;
    (void)queue.push(t0 + 1ms, [] {});
    auto later = queue.push(t0 + 2ms, [] {});
    later.cancel();
    CHECK(queue.earliest() == t0 + 1ms);
    CHECK(queue.size() == 2);  // lazy: not searched for
    CHECK(queue.cancelled_count() == 1);
}

TEST_CASE("scheduling and cancelling a million timers one after another keeps the heap small", "[ch07][timer-cancel]") {
    TimerQueue queue;
    (void)queue.push(t0 + 1h, [] {});  // one that stays
    std::size_t largest = 0;
    for (int i = 0; i < 1'000'000; ++i) {
        auto timer = queue.push(t0 + std::chrono::seconds(1 + i % 1000), [] {});
        timer.cancel();
        largest = std::max(largest, queue.size());
    }
    INFO("largest heap: " << largest);
    CHECK(largest <= 2 * TimerQueue::min_size_to_compact + 2);
    CHECK(queue.earliest() == t0 + 1h);
}

TEST_CASE("the heap is rebuilt only past both thresholds: more than 100 timers and more than half cancelled",
          "[ch07][timer-cancel]") {
    auto fill = [](TimerQueue& queue, int count, int cancelled) {
        std::vector<asyncio::TimerHandle> timers;
        for (int i = 0; i < count; ++i) timers.push_back(queue.push(t0 + std::chrono::milliseconds(count - i), [] {}));
        // Cancel the latest ones, which are never on top: only a rebuild can remove them.
        for (int i = 0; i < cancelled; ++i) timers[static_cast<std::size_t>(i)].cancel();
        (void)queue.earliest();
    };
    SECTION("100 timers, 60 cancelled: not more than 100, kept") {
        TimerQueue queue;
        fill(queue, 100, 60);
        CHECK(queue.size() == 100);
    }
    SECTION("102 timers, exactly half cancelled: kept") {
        TimerQueue queue;
        fill(queue, 102, 51);
        CHECK(queue.size() == 102);
    }
    SECTION("102 timers, 52 cancelled: rebuilt without them") {
        TimerQueue queue;
        fill(queue, 102, 52);
        CHECK(queue.size() == 50);
        CHECK(queue.cancelled_count() == 0);
    }
}

TEST_CASE("after a rebuild the live timers still come out in deadline and scheduling order", "[ch07][timer-cancel]") {
    TimerQueue queue;
    Recorder recorder;
    std::vector<asyncio::TimerHandle> timers;
    auto const deadlines = pseudo_random_ms(300, 3, 20);
    for (int i = 0; i < 300; ++i)
        timers.push_back(queue.push(t0 + std::chrono::milliseconds(deadlines[static_cast<std::size_t>(i)]),
                                    recorder.record(deadlines[static_cast<std::size_t>(i)] * 1000 + i)));
    for (std::size_t i = 0; i < 300; ++i)
        if (i % 3 != 0) timers[i].cancel();
    (void)queue.earliest();
    REQUIRE(queue.size() == 100);  // rebuilt
    fire_due(queue, t0 + 1s);
    REQUIRE(recorder.order.size() == 100);
    CHECK(std::is_sorted(recorder.order.begin(), recorder.order.end()));
}

TEST_CASE("a rebuild releases what the cancelled timers captured", "[ch07][timer-cancel]") {
    TimerQueue queue;
    auto token = std::make_shared<int>(0);
    std::vector<asyncio::TimerHandle> timers;
    for (int i = 0; i < 200; ++i) timers.push_back(queue.push(t0 + 1s, [token] { (void)token; }));
    for (auto& timer : timers) timer.cancel();
    CHECK(token.use_count() == 1);  // cancel() dropped the callbacks already
    (void)queue.earliest();
    CHECK(queue.empty());
}

TEST_CASE("clear drops every timer and a handle kept elsewhere can still be cancelled", "[ch07][timer-heap]") {
    auto token = std::make_shared<int>(0);
    asyncio::TimerHandle kept;
    {
        TimerQueue queue;
        kept = queue.push(t0, [token] { (void)token; });
        (void)queue.push(t0, [token] { (void)token; });
        queue.clear();
        CHECK(queue.empty());
        CHECK(token.use_count() == 1);
    }
    kept.cancel();  // the queue is gone: must not touch it
    CHECK(kept.cancelled());
}

TEST_CASE("when on an empty timer handle is an InvalidStateError", "[ch07]") {
    asyncio::TimerHandle empty;
    CHECK_THROWS_AS(empty.when(), asyncio::InvalidStateError);
    CHECK(empty.describe() == "<Handle (empty)>");
}
