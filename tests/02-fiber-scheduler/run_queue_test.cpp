// Chapter 02, step run-queue: spawn() queues fibers, run() resumes them in FIFO order
// until all have finished, yield() sends the running fiber to the back of the queue.
#include <testing/both_switches.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/scheduler.hpp>

#include <string>
#include <thread>
#include <vector>

SWITCH_TEST(round_robin, "spawned fibers take turns in the order they were spawned", "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    std::string trace;
    for (char name : {'a', 'b', 'c'}) {
        scheduler.spawn([&trace, name] {
            for (int i = 0; i < 3; ++i) {
                trace += name;
                asyncio::BasicScheduler<Switch>::yield();
            }
        });
    }
    REQUIRE(trace.empty());  // spawn() only queues: nothing runs before run()
    scheduler.run();
    REQUIRE(trace == "abcabcabc");
}

SWITCH_TEST(run_returns_when_all_finished, "run returns once every fiber has finished", "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    std::vector<int> yields_done(4, 0);
    std::vector<typename asyncio::BasicScheduler<Switch>::Handle> handles;
    for (int i = 0; i < 4; ++i) {
        handles.push_back(scheduler.spawn([&yields_done, i] {
            // Fibers of different lengths: run() must wait for the longest.
            for (int k = 0; k < i * 5; ++k) {
                asyncio::BasicScheduler<Switch>::yield();
                ++yields_done[static_cast<std::size_t>(i)];
            }
        }));
    }
    REQUIRE(scheduler.fiber_count() == 4);
    scheduler.run();
    REQUIRE(yields_done == std::vector<int>{0, 5, 10, 15});
    REQUIRE(scheduler.fiber_count() == 0);
    for (auto const& handle : handles) REQUIRE(handle.done());
}

SWITCH_TEST(spawn_from_fiber, "a fiber spawned by a running fiber joins the back of the queue", "[run-queue]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<std::string> log;
    scheduler.spawn([&] {
        log.push_back("parent starts");
        scheduler.spawn([&] { log.push_back("child runs"); });
        log.push_back("parent spawned the child");
        Scheduler::yield();
        log.push_back("parent resumes");
    });
    scheduler.spawn([&] { log.push_back("sibling runs"); });
    scheduler.run();
    REQUIRE(log == std::vector<std::string>{"parent starts", "parent spawned the child", "sibling runs", "child runs",
                                            "parent resumes"});
}

SWITCH_TEST(fiber_without_yield, "a fiber that never yields runs to its end before the next one starts",
            "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    std::string trace;
    scheduler.spawn([&] { trace += "1a1b"; });
    scheduler.spawn([&] { trace += "2a2b"; });
    scheduler.run();
    REQUIRE(trace == "1a1b2a2b");  // cooperative: nobody is interrupted
}

SWITCH_TEST(handles_count_up, "spawn returns handles numbered in spawn order that become done", "[run-queue]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    auto first = scheduler.spawn([] { Scheduler::yield(); });
    auto second = scheduler.spawn([] {});
    REQUIRE(first.id() == 1);
    REQUIRE(second.id() == 2);
    REQUIRE(first != second);
    REQUIRE_FALSE(first.done());
    scheduler.run();
    REQUIRE(first.done());
    REQUIRE(second.done());
    REQUIRE_FALSE(typename Scheduler::Handle{});  // an empty handle
}

SWITCH_TEST(current_handle, "current names the running fiber and is empty outside fibers", "[run-queue]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    typename Scheduler::Handle seen_inside;
    auto handle = scheduler.spawn([&] {
        Scheduler::yield();
        seen_inside = Scheduler::current();
        REQUIRE(Scheduler::running() == &scheduler);
    });
    REQUIRE_FALSE(Scheduler::current());
    REQUIRE(Scheduler::running() == nullptr);
    scheduler.run();
    REQUIRE(seen_inside == handle);
    REQUIRE(Scheduler::running() == nullptr);
}

SWITCH_TEST(empty_run, "running a scheduler with no fibers returns at once", "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    scheduler.run();
    REQUIRE(scheduler.fiber_count() == 0);
}

SWITCH_TEST(yield_outside, "yield outside a fiber of a running scheduler throws RuntimeError", "[run-queue]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    REQUIRE_THROWS_AS(Scheduler::yield(), asyncio::RuntimeError);
    // Also from a plain fiber that the scheduler did not spawn.
    bool refused = false;
    asyncio::BasicFiber<Switch> plain([&] {
        try {
            Scheduler::yield();
        } catch (asyncio::RuntimeError const&) {
            refused = true;
        }
    });
    plain.resume();
    REQUIRE(refused);
}

SWITCH_TEST(spawn_after_run, "spawning after run has finished throws RuntimeError", "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    scheduler.spawn([] {});
    scheduler.run();
    REQUIRE_THROWS_AS(scheduler.spawn([] {}), asyncio::RuntimeError);
    REQUIRE_THROWS_AS(scheduler.run(), asyncio::RuntimeError);
}

SWITCH_TEST(run_inside_run, "calling run from one of its own fibers throws RuntimeError", "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    bool refused = false;
    scheduler.spawn([&] {
        try {
            scheduler.run();
        } catch (asyncio::RuntimeError const&) {
            refused = true;
        }
    });
    scheduler.run();
    REQUIRE(refused);
}

SWITCH_TEST(nested_scheduler, "a fiber can run a scheduler of its own to completion", "[run-queue]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler outer;
    std::string trace;
    outer.spawn([&] {
        Scheduler inner;
        inner.spawn([&] {
            trace += "i";
            Scheduler::yield();
            trace += "i";
        });
        inner.spawn([&] { trace += "j"; });
        inner.run();
        REQUIRE(Scheduler::running() == &outer);  // restored when the inner run() returned
        trace += "o";
        Scheduler::yield();
        trace += "o";
    });
    outer.run();
    REQUIRE(trace == "ijioo");
}

SWITCH_TEST(unfinished_fibers_unwound, "destroying a scheduler that never ran destroys its fibers without running them",
            "[run-queue]") {
    bool ran = false;
    {
        asyncio::BasicScheduler<Switch> scheduler;
        scheduler.spawn([&] { ran = true; });
    }
    REQUIRE_FALSE(ran);
}

SWITCH_TEST(empty_body, "spawning an empty body is refused", "[run-queue]") {
    asyncio::BasicScheduler<Switch> scheduler;
    REQUIRE_THROWS_AS(scheduler.spawn(std::function<void()>{}), std::invalid_argument);
}

SWITCH_TEST_WITH(two_threads, "two threads each run a scheduler of their own at the same time", "[run-queue]",
                 "[threads]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    // The running scheduler and the current fiber are per thread: neither thread may see
    // the other's fibers, however their switches interleave.
    std::vector<int> mistakes(2, -1);
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
        threads.emplace_back([&mistakes, t] {
            Scheduler scheduler;
            int wrong = 0;
            for (int i = 0; i < 20; ++i) {
                scheduler.spawn([&] {
                    for (int round = 0; round < 200; ++round) {
                        if (Scheduler::running() != &scheduler) ++wrong;
                        Scheduler::yield();
                    }
                });
            }
            scheduler.run();
            mistakes[static_cast<std::size_t>(t)] = wrong;
        });
    }
    for (auto& thread : threads) thread.join();
    REQUIRE(mistakes == std::vector<int>{0, 0});
}
