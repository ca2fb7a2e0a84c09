// Chapter 02, step sleep: sleeping fibers wait in a list sorted by deadline; when nothing
// is ready, the thread blocks until the earliest deadline instead of spinning.
#include <testing/both_switches.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/scheduler.hpp>

#include <sys/resource.h>
#include <sys/time.h>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// What the calling thread has used so far: CPU time, and how often it left the CPU
// (context switches: it blocked, or it yielded or was preempted while others wanted
// the CPU). Only this thread's, so other tests running beside it change neither.
struct ThreadUsage {
    double cpu_seconds = 0;
    long switches = 0;
};

ThreadUsage thread_usage() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    auto const seconds = [](timeval t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
    };
    return {seconds(usage.ru_utime) + seconds(usage.ru_stime), usage.ru_nvcsw + usage.ru_nivcsw};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

SWITCH_TEST(deadline_order, "sleeping fibers wake in the order of their deadlines", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<int> woke;
    // Deadlines from one starting point: with sleep_for, a fiber that starts late (a busy
    // machine) would move its own deadline, and the order would be the machine's.
    auto const start = Scheduler::Clock::now();
    for (int milliseconds : {30, 10, 20, 0}) {
        scheduler.spawn([&woke, milliseconds, start] {
            Scheduler::sleep_until(start + std::chrono::milliseconds(milliseconds));
            woke.push_back(milliseconds);
        });
    }
    scheduler.run();
    REQUIRE(woke == std::vector<int>{0, 10, 20, 30});
}

SWITCH_TEST(equal_deadlines_fifo, "fibers sleeping until the same deadline wake in the order they went to sleep",
            "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    auto const deadline = Scheduler::Clock::now() + 20ms;
    std::string order;
    for (char name : {'a', 'b', 'c', 'd'}) {
        scheduler.spawn([&order, name, deadline] {
            // Go to sleep in the order d, c, b, a: the later spawned, the earlier.
            for (int i = 0; i < 'd' - name; ++i) Scheduler::yield();
            Scheduler::sleep_until(deadline);
            order += name;
        });
    }
    scheduler.run();
    REQUIRE(order == "dcba");
}

SWITCH_TEST(due_sleepers_wake_together, "every sleeper whose deadline has come wakes in the same round", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    // One deadline for both, so both are due when the loop looks: however late the loop
    // looks, it must move both to the run queue then, not one per round.
    auto const deadline = Scheduler::Clock::now() + 20ms;
    std::string order;
    for (char name : {'a', 'b'}) {
        scheduler.spawn([&order, name, deadline] {
            Scheduler::sleep_until(deadline);
            order += name;
            Scheduler::yield();  // to the back of the queue: behind the other one if it is awake too
            order += static_cast<char>(name - 'a' + 'A');
        });
    }
    scheduler.run();
    // Woken one at a time, a would run twice before b woke at all: "aAbB".
    REQUIRE(order == "abAB");
}

SWITCH_TEST(sleep_lets_others_run, "a sleeping fiber lets the other fibers run meanwhile", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<std::string> log;
    scheduler.spawn([&] {
        log.push_back("sleeper goes to sleep");
        // Long enough that even a busy machine runs the other fiber's three turns first
        // (they take microseconds).
        Scheduler::sleep_for(250ms);
        log.push_back("sleeper wakes up");
    });
    scheduler.spawn([&] {
        for (int i = 0; i < 3; ++i) {
            log.push_back("busy " + std::to_string(i));
            Scheduler::yield();
        }
    });
    scheduler.run();
    REQUIRE(log == std::vector<std::string>{"sleeper goes to sleep", "busy 0", "busy 1", "busy 2", "sleeper wakes up"});
}

SWITCH_TEST(sleep_never_early, "a fiber never wakes before its deadline", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<std::chrono::steady_clock::duration> lateness;
    for (auto duration : {5ms, 25ms, 15ms}) {
        scheduler.spawn([&lateness, duration] {
            auto const deadline = Scheduler::Clock::now() + duration;
            Scheduler::sleep_until(deadline);
            lateness.push_back(Scheduler::Clock::now() - deadline);
        });
    }
    scheduler.run();
    REQUIRE(lateness.size() == 3);
    for (auto late : lateness) REQUIRE(late >= 0ns);
}

SWITCH_TEST(sleeps_overlap, "three fibers sleeping 300 ms each finish in about 300 ms and not 900", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    for (int i = 0; i < 3; ++i) scheduler.spawn([] { Scheduler::sleep_for(300ms); });
    auto const start = std::chrono::steady_clock::now();
    scheduler.run();
    double const elapsed = seconds_since(start);
    CHECK(elapsed >= 0.3);
    CHECK(elapsed < 0.9);  // one after another takes at least 0.9 s: sleeps never end early
}

SWITCH_TEST(sleep_blocks_without_spinning,
            "while every fiber sleeps the thread blocks: it wakes once per deadline and uses almost no CPU time",
            "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    scheduler.spawn([] { Scheduler::sleep_for(1s); });
    // A second fiber waits in join(): parked as well, it must not spin either.
    auto sleeper = scheduler.spawn([] { Scheduler::sleep_for(600ms); });
    scheduler.spawn([&] { Scheduler::join(sleeper); });
    ThreadUsage const before = thread_usage();
    auto const start = std::chrono::steady_clock::now();
    scheduler.run();
    double const wall = seconds_since(start);
    ThreadUsage const after = thread_usage();
    double const cpu = after.cpu_seconds - before.cpu_seconds;
    long const switches = after.switches - before.switches;
    INFO("wall " << wall << " s, cpu " << cpu << " s, " << switches << " times off the CPU");
    REQUIRE(wall >= 1.0);
    // Blocking takes a millisecond of CPU time at most, and leaves the CPU once per
    // deadline (twice here). Every way of not blocking fails one of the two bounds, on an
    // idle machine and on a busy one alike:
    // - a loop that checks the clock uses the CPU for as much of the second as it is
    //   given (on two cores kept busy by other programs, a quarter of it);
    // - the same loop with std::this_thread::yield() in it gives the CPU away whenever
    //   another program wants it, hundreds of times a second (and on an idle machine it
    //   uses the whole second);
    // - sleeping a millisecond and checking again leaves the CPU a thousand times.
    CHECK(cpu < 0.05);
    CHECK(switches < 50);
}

SWITCH_TEST(sleep_zero_is_a_yield, "sleeping for zero lets every ready fiber run first", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::string trace;
    scheduler.spawn([&] {
        trace += "a";
        Scheduler::sleep_for(0ms);
        trace += "A";
    });
    scheduler.spawn([&] {
        trace += "b";
        Scheduler::yield();
        trace += "B";
    });
    scheduler.run();
    REQUIRE(trace.size() == 4);
    REQUIRE(trace.substr(0, 2) == "ab");
}

SWITCH_TEST(sleep_outside, "sleep outside a fiber throws RuntimeError", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    REQUIRE_THROWS_AS(Scheduler::sleep_for(1ms), asyncio::RuntimeError);
    REQUIRE_THROWS_AS(Scheduler::sleep_until(Scheduler::Clock::now()), asyncio::RuntimeError);
}

SWITCH_TEST(sleeper_unwound, "destroying a scheduler with a sleeping fiber unwinds that fiber", "[sleep]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    bool unwound = false;
    bool woke = false;
    {
        Scheduler scheduler;
        struct SetOnUnwind {
            bool& flag;
            ~SetOnUnwind() { flag = true; }
        };
        scheduler.spawn([&] {
            SetOnUnwind guard{unwound};
            Scheduler::sleep_for(1h);
            woke = true;
        });
        // Stop run() early, while the first fiber sleeps: an exception handler that
        // throws ends run() with its exception.
        scheduler.set_exception_handler([](auto const&) { throw std::runtime_error("stop"); });
        scheduler.spawn([] { throw std::logic_error("boom"); });
        REQUIRE_THROWS_AS(scheduler.run(), std::runtime_error);
        REQUIRE_FALSE(unwound);
    }
    REQUIRE(unwound);
    REQUIRE_FALSE(woke);
}
