// Chapter 07, bonus step timing-wheel: TimingWheel keeps TimerQueue's contract (the same
// behaviours as timer_queue_test.cpp), and a wheel's own edges: timers on every level and
// beyond the last, cascading as the wheel turns a millisecond at a time, a deadline
// already passed, a wheel that jumps far ahead.
#include <testing/catch.hpp>

#include <asyncio/timing_wheel.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

using namespace std::chrono_literals;
using asyncio::TimePoint;
using asyncio::TimingWheel;

namespace {

// Not a multiple of any block: the wheel starts in the middle of every level's block.
TimePoint const t0 = TimePoint(std::chrono::hours(1000) + 12'345'678us);

void run_all(std::deque<asyncio::Handle>& ready) {
    while (!ready.empty()) {
        ready.front().run();
        ready.pop_front();
    }
}

struct Recorder {
    std::vector<long> order;
    asyncio::Callback record(long id) {
        return [this, id] { order.push_back(id); };
    }
};

std::vector<long> pseudo_random(std::size_t count, std::uint64_t seed, std::uint64_t modulo) {
    std::vector<long> values;
    for (std::size_t i = 0; i < count; ++i) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        values.push_back(static_cast<long>((seed >> 33) % modulo));
    }
    return values;
}

// Deadlines on every level of the wheel and beyond it (2^24 ms is about 4.66 hours).
std::vector<std::chrono::microseconds> deadlines_on_every_level() {
    return {3us, 700us, 2ms + 1us, 63ms, 64ms, 65ms, 1s, 4095ms, 4096ms, 4097ms, 70s, 262'143ms, 262'144ms,
            300s, 1h, 4h + 40min, 5h, 30h};
}

}  // namespace

TEST_CASE("a timing wheel gives out its timers in deadline order whatever the order of scheduling",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    Recorder recorder;
    auto const ms = pseudo_random(500, 7, 1000);
    for (long const d : ms) (void)wheel.push(t0 + std::chrono::milliseconds(d), recorder.record(d));
    auto const levels = deadlines_on_every_level();
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) (void)wheel.push(t0 + *it, recorder.record(it->count() * 1000));
    CHECK(wheel.size() == 500 + levels.size());
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 40h, ready);
    run_all(ready);
    REQUIRE(recorder.order.size() == 500 + levels.size());
    CHECK(wheel.empty());
    // The pseudo-random ones (< 1,000 ms) and the levels' ones, merged by deadline.
    std::vector<long> deadlines_in_order;
    {
        std::vector<std::pair<long, long>> expected;  // (deadline in µs, id)
        for (long const d : ms) expected.emplace_back(d * 1000, d);
        for (auto const d : levels) expected.emplace_back(d.count(), d.count() * 1000);
        std::stable_sort(expected.begin(), expected.end(),
                         [](auto const& a, auto const& b) { return a.first < b.first; });
        for (auto const& e : expected) deadlines_in_order.push_back(e.second);
    }
    CHECK(recorder.order == deadlines_in_order);
}

TEST_CASE("a timing wheel gives out timers with equal deadlines in the order they were scheduled",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    Recorder recorder;
    // The same deadline, reached by different paths: scheduled from far away (it cascades
    // down two levels) and, after the wheel has turned, from near by (it goes straight in).
    for (long i = 0; i < 32; ++i) (void)wheel.push(t0 + 5000ms, recorder.record(i));
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 4990ms, ready);
    CHECK(ready.empty());
    for (long i = 32; i < 64; ++i) (void)wheel.push(t0 + 5000ms, recorder.record(i));
    wheel.pop_due(t0 + 5000ms, ready);
    run_all(ready);
    std::vector<long> expected;
    for (long i = 0; i < 64; ++i) expected.push_back(i);
    CHECK(recorder.order == expected);
}

TEST_CASE("a timing wheel gives out only the timers whose deadline has come to the microsecond",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    Recorder recorder;
    (void)wheel.push(t0 + 10ms + 300us, recorder.record(1));
    (void)wheel.push(t0 + 10ms + 700us, recorder.record(2));
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 10ms + 299us, ready);  // the right millisecond, too early in it
    CHECK(ready.empty());
    wheel.pop_due(t0 + 10ms + 300us, ready);  // due exactly now: <=, not <
    REQUIRE(ready.size() == 1);
    wheel.pop_due(t0 + 10ms + 300us, ready);  // asked again: nothing new
    CHECK(ready.size() == 1);
    wheel.pop_due(t0 + 11ms, ready);
    run_all(ready);
    CHECK(recorder.order == std::vector<long>{1, 2});
    CHECK(wheel.empty());
}

TEST_CASE("a timing wheel turned a millisecond at a time fires every timer in the first turn it is due",
          "[ch07][timing-wheel][bonus]") {
    // Past two blocks of level 1 (4,096 ms each) and many of level 0: every cascade is
    // crossed, and a timer that stays in a slot too long or drops out of the wheel shows.
    TimingWheel wheel(t0);
    auto const us = pseudo_random(3000, 11, 9'000'000);
    std::vector<std::optional<TimePoint>> fired_at(us.size());
    TimePoint now = t0;
    for (std::size_t i = 0; i < us.size(); ++i)
        (void)wheel.push(t0 + std::chrono::microseconds(us[i]), [&fired_at, &now, i] { fired_at[i] = now; });
    std::deque<asyncio::Handle> ready;
    for (int step = 1; step <= 9001; ++step) {
        now = t0 + std::chrono::milliseconds(step);
        wheel.pop_due(now, ready);
        run_all(ready);
    }
    CHECK(wheel.empty());
    int early = 0, late = 0, never = 0;
    for (std::size_t i = 0; i < us.size(); ++i) {
        TimePoint const due = t0 + std::chrono::microseconds(us[i]);
        if (!fired_at[i]) ++never;
        else if (*fired_at[i] < due) ++early;
        else if (*fired_at[i] - due >= 1ms) ++late;  // the first 1 ms step at or after its deadline
    }
    CHECK(never == 0);
    CHECK(early == 0);
    CHECK(late == 0);
}

TEST_CASE("a timing wheel's earliest is the earliest live deadline on whatever level it waits",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    CHECK_FALSE(wheel.earliest().has_value());
    auto const levels = deadlines_on_every_level();
    std::vector<asyncio::TimerHandle> timers;
    for (auto it = levels.rbegin(); it != levels.rend(); ++it) timers.push_back(wheel.push(t0 + *it, [] {}));
    std::reverse(timers.begin(), timers.end());  // timers[i] is due at t0 + levels[i]
    for (std::size_t i = 0; i < levels.size(); ++i) {
        INFO("after cancelling the " << i << " earliest");
        CHECK(wheel.earliest() == t0 + levels[i]);
        timers[i].cancel();
    }
    CHECK_FALSE(wheel.earliest().has_value());
}

TEST_CASE("a timing wheel's earliest follows the wheel as it turns", "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    (void)wheel.push(t0 + 4h + 59min, [] {});
    (void)wheel.push(t0 + 70s + 5us, [] {});
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 70s, ready);
    CHECK(ready.empty());
    CHECK(wheel.earliest() == t0 + 70s + 5us);
    wheel.pop_due(t0 + 71s, ready);
    CHECK(ready.size() == 1);
    CHECK(wheel.earliest() == t0 + 4h + 59min);
}

TEST_CASE("a timer scheduled for a moment the timing wheel has passed goes out at the next pop_due",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    Recorder recorder;
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 100ms, ready);  // the wheel has turned to t0 + 100 ms
    (void)wheel.push(t0 + 20ms, recorder.record(1));  // already past
    (void)wheel.push(t0 - 1h, recorder.record(2));    // long past
    CHECK(wheel.earliest() == t0 - 1h);
    wheel.pop_due(t0 + 100ms, ready);
    run_all(ready);
    CHECK(recorder.order == std::vector<long>{2, 1});
}

TEST_CASE("a timing wheel jumps far ahead in one pop_due without losing a timer beyond its span",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    Recorder recorder;
    (void)wheel.push(t0 + 30h, recorder.record(30));
    (void)wheel.push(t0 + 6h, recorder.record(6));
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 6h - 1ms, ready);
    CHECK(ready.empty());
    CHECK(wheel.earliest() == t0 + 6h);
    wheel.pop_due(t0 + 29h, ready);
    run_all(ready);
    CHECK(recorder.order == std::vector<long>{6});
    CHECK(wheel.earliest() == t0 + 30h);
    wheel.pop_due(t0 + 30h, ready);
    run_all(ready);
    CHECK(recorder.order == std::vector<long>{6, 30});
}

TEST_CASE("a timing wheel gives out no cancelled timer and counts a cancel once", "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    Recorder recorder;
    auto first = wheel.push(t0 + 1ms, recorder.record(1));
    (void)wheel.push(t0 + 2ms, recorder.record(2));
    auto far = wheel.push(t0 + 10h, recorder.record(3));
    first.cancel();
    first.cancel();
    far.cancel();
    CHECK(wheel.cancelled_count() == 2);
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + 11h, ready);
    run_all(ready);
    CHECK(recorder.order == std::vector<long>{2});
    CHECK(wheel.empty());
    CHECK(wheel.cancelled_count() == 0);
}

TEST_CASE("scheduling and cancelling a million timers one after another keeps a timing wheel small",
          "[ch07][timing-wheel][bonus]") {
    TimingWheel wheel(t0);
    (void)wheel.push(t0 + 1h, [] {});
    std::size_t largest = 0;
    for (int i = 0; i < 1'000'000; ++i) {
        auto timer = wheel.push(t0 + std::chrono::seconds(1 + i % 1000), [] {});
        timer.cancel();
        largest = std::max(largest, wheel.size());
    }
    INFO("largest wheel: " << largest);
    CHECK(largest <= 2 * TimingWheel::min_size_to_compact + 2);
    CHECK(wheel.earliest() == t0 + 1h);
}

TEST_CASE("clear empties a timing wheel and a handle kept elsewhere can still be cancelled",
          "[ch07][timing-wheel][bonus]") {
    auto token = std::make_shared<int>(0);
    asyncio::TimerHandle kept;
    {
        TimingWheel wheel(t0);
        kept = wheel.push(t0 + 1ms, [token] { (void)token; });
        (void)wheel.push(t0 + 10h, [token] { (void)token; });
        wheel.clear();
        CHECK(wheel.empty());
        CHECK(token.use_count() == 1);
    }
    kept.cancel();
    CHECK(kept.cancelled());
}
