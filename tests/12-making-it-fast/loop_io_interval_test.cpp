// Chapter 12, step io-interval: while callbacks are ready, the loop asks its selector in
// every iteration only while it is eager (its last eager_polls polls found something),
// then only every io_interval() iterations; with nothing ready it polls (and waits) as
// before. Everything here counts iterations and selector calls, never time: a ready fd
// is served within io_interval() iterations, timers and what other threads submit are
// taken in every iteration.
#include <testing/catch.hpp>

#include <testing/counting_selector.hpp>
#include <testing/virtual_time_loop.hpp>

#include <asyncio/default_selector.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/pipe.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

namespace {

using asyncio::EventLoop;
using asyncio::selectors::DefaultSelector;
using asyncio::selectors::Timeout;
using Counting = testing::CountingSelector<DefaultSelector>;
constexpr unsigned eager = EventLoop::eager_polls;

// Keeps a callback ready in every iteration (as a busy program does) and calls `each`
// with the number of the iteration it runs in, until `each` returns false.
struct Spinner {
    EventLoop& loop;
    std::function<bool(std::uint64_t)> each;
    void start() {
        loop.call_soon([this] { step(); });
    }
    void step() {
        if (each(loop.iteration())) loop.call_soon([this] { step(); });
    }
};

void run(EventLoop& loop, int iterations) {
    for (int i = 0; i < iterations; ++i) loop.run_once();
}

// The iterations (1, 2, ...) in which the loop asked its selector, out of `iterations`
// with a callback ready in each, at io_interval `n`.
std::vector<std::uint64_t> polling_iterations(unsigned n, int iterations) {
    std::vector<Timeout> waits;
    EventLoop loop(std::make_unique<Counting>(waits));
    loop.set_io_interval(n);
    std::vector<std::uint64_t> polled;
    std::size_t seen = 0;
    Spinner spinner{loop, [&](std::uint64_t iteration) {
                        if (waits.size() > seen) polled.push_back(iteration);  // this iteration asked
                        seen = waits.size();
                        return true;
                    }};
    spinner.start();
    run(loop, iterations);
    return polled;
}

// What the loop polls in the pattern above: eager for `eager` iterations, then every nth.
std::vector<std::uint64_t> expected_polls(unsigned n, int iterations) {
    std::vector<std::uint64_t> polls;
    for (std::uint64_t i = 1; i <= static_cast<std::uint64_t>(iterations); ++i)
        if (i <= eager || (i - eager) % n == 0) polls.push_back(i);
    return polls;
}

// How many iterations after the one that made a pipe readable its reader ran, for a
// write in iteration `write_at`, at io_interval `n`; also whether the loop polled in the
// iteration right after the reader's (eager again).
struct Served {
    std::uint64_t delay = 0;
    bool eager_after = false;
};

Served serve_after(unsigned n, std::uint64_t write_at) {
    std::vector<Timeout> waits;
    EventLoop loop(std::make_unique<Counting>(waits));
    loop.set_io_interval(n);
    auto pipe = asyncio::make_pipe();
    std::uint64_t read_at = 0;
    std::size_t polls_when_read = 0;
    loop.add_reader(pipe.read_end.get(), [&] {
        char byte;
        (void)::read(pipe.read_end.get(), &byte, 1);
        read_at = loop.iteration();
        polls_when_read = waits.size();
    });
    std::size_t polls_next = 0;
    Spinner spinner{loop, [&](std::uint64_t iteration) {
                        if (iteration == write_at) (void)::write(pipe.write_end.get(), "x", 1);
                        if (read_at != 0 && iteration == read_at + 1) polls_next = waits.size();
                        return read_at == 0 || iteration <= read_at + 1;
                    }};
    spinner.start();
    for (int i = 0; i < 1000 && (read_at == 0 || loop.iteration() <= read_at + 1); ++i) loop.run_once();
    loop.remove_reader(pipe.read_end.get());
    Served served;
    if (read_at != 0) served.delay = read_at - write_at;
    served.eager_after = polls_next == polls_when_read + 1;
    return served;
}

}  // namespace

TEST_CASE("a loop with callbacks always ready asks its selector every io_interval iterations once it is idle",
          "[ch12][io-interval]") {
    for (unsigned n : {2u, 8u, 61u}) {
        INFO("io_interval " << n);
        int const iterations = static_cast<int>(eager + 3 * n + 1);
        CHECK(polling_iterations(n, iterations) == expected_polls(n, iterations));
    }
}

TEST_CASE("an io_interval of 1 asks the selector in every iteration as chapter 05's loop does", "[ch12][io-interval]") {
    std::vector<std::uint64_t> every(100);
    for (std::uint64_t i = 0; i < every.size(); ++i) every[i] = i + 1;
    CHECK(polling_iterations(1, 100) == every);
}

TEST_CASE("a ready fd is served within io_interval iterations while callbacks are always ready", "[ch12][io-interval]") {
    for (unsigned n : {2u, 7u, 61u}) {
        INFO("io_interval " << n);
        std::uint64_t worst = 0;
        // Written while the loop is eager, and at every offset once it has relaxed.
        for (std::uint64_t write_at = 1; write_at <= eager + 2 * n; ++write_at) {
            INFO("written in iteration " << write_at);
            Served const served = serve_after(n, write_at);
            CHECK(served.delay >= 1);
            CHECK(served.delay <= n);
            if (write_at < eager) CHECK(served.delay == 1);  // eager: the next iteration
            CHECK(served.eager_after);  // a poll that found the fd makes the loop eager again
            worst = std::max(worst, served.delay);
        }
        CHECK(worst == n);  // and the wait does reach io_interval: polls were skipped
    }
}

TEST_CASE("timers fire in the first iteration they are due while callbacks are always ready", "[ch12][io-interval]") {
    testing::VirtualClock clock;
    testing::VirtualTimeLoop<DefaultSelector> loop(clock);
    REQUIRE(loop.io_interval() == EventLoop::default_io_interval);
    std::uint64_t fired_at = 0;
    (void)loop.call_later(100ms, [&] { fired_at = loop.iteration(); });
    Spinner spinner{loop, [&](std::uint64_t) {
                        clock.now += 1ms;  // each iteration "takes" a millisecond
                        return fired_at == 0;
                    }};
    spinner.start();
    testing::run_until(loop, [&] { return fired_at != 0; }, 1000);
    CHECK(fired_at == 101);  // due after iteration 100's callback moved the clock to +100 ms
}

TEST_CASE("what another thread submits runs in the next iteration even when the selector is not asked",
          "[ch12][io-interval]") {
    std::vector<Timeout> waits;
    EventLoop loop(std::make_unique<Counting>(waits));
    std::uint64_t const submit_at = eager + 20;  // relaxed, and not an iteration that polls
    REQUIRE((submit_at + 1 - eager) % loop.io_interval() != 0);
    std::uint64_t ran_at = 0;
    Spinner spinner{loop, [&](std::uint64_t iteration) {
                        // From the loop's own thread: the same queue and wake-up as from any other.
                        if (iteration == submit_at) (void)loop.call_soon_threadsafe([&] { ran_at = loop.iteration(); });
                        return ran_at == 0;
                    }};
    spinner.start();
    testing::run_until(loop, [&] { return ran_at != 0; }, 1000);
    CHECK(ran_at == submit_at + 1);
}

TEST_CASE("with nothing ready a relaxed loop still waits in its selector for the next timer", "[ch12][io-interval]") {
    testing::VirtualClock clock;
    testing::VirtualTimeLoop<DefaultSelector> loop(clock);
    std::uint64_t const stop_at = eager + 10;  // relaxed by then
    Spinner spinner{loop, [&](std::uint64_t iteration) { return iteration < stop_at; }};
    spinner.start();
    run(loop, static_cast<int>(stop_at));
    bool fired = false;
    (void)loop.call_later(5s, [&] { fired = true; });
    clock.waits.clear();
    loop.run_once();  // nothing ready: it must ask the selector, with the timer's wait
    REQUIRE(clock.waits.size() == 1);
    CHECK(clock.waits[0] == Timeout(5s));
    CHECK(fired);
}

TEST_CASE("set_io_interval refuses zero and the default is 61", "[ch12][io-interval]") {
    EventLoop loop;
    CHECK(loop.io_interval() == 61u);
    CHECK_THROWS_AS(loop.set_io_interval(0), std::invalid_argument);
    loop.set_io_interval(5);
    CHECK(loop.io_interval() == 5u);
}
