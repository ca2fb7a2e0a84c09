// Chapter 02, step join: a fiber waits for another one parked (not spinning), gets its
// exception rethrown, and misuse is refused. Exceptions nobody joins are reported.
#include <testing/both_switches.hpp>

#include <testing/process.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/scheduler.hpp>

#include <stdexcept>
#include <string>
#include <vector>

SWITCH_TEST(join_unfinished, "join parks the caller until the joined fiber has finished", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<std::string> log;
    auto worker = scheduler.spawn([&] {
        for (int i = 0; i < 3; ++i) {
            log.push_back("worker " + std::to_string(i));
            Scheduler::yield();
        }
    });
    scheduler.spawn([&] {
        log.push_back("waiter joins");
        Scheduler::join(worker);
        log.push_back("waiter returns from join");
    });
    scheduler.run();
    REQUIRE(log ==
            std::vector<std::string>{"worker 0", "waiter joins", "worker 1", "worker 2", "waiter returns from join"});
}

SWITCH_TEST(join_is_parked, "a fiber waiting in join is parked and not spinning in the run queue", "[join]") {
    // The worker parks and nobody will wake it. A waiter that is parked too leaves nothing
    // to run: run() must see the deadlock. (A waiter that yielded in a loop until the
    // worker is done would keep the queue busy forever, and this test would time out.)
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    auto worker = scheduler.spawn([] { Scheduler::park(); });
    scheduler.spawn([&] { Scheduler::join(worker); });
    std::string error;
    try {
        scheduler.run();
    } catch (asyncio::RuntimeError const& e) {
        error = e.what();
    }
    REQUIRE(error.find("deadlock: 2 fiber(s)") != std::string::npos);
}

SWITCH_TEST(join_finished, "joining a fiber that has already finished returns at once", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::string trace;
    auto quick = scheduler.spawn([&] { trace += "q"; });
    scheduler.spawn([&] {
        Scheduler::yield();  // quick has finished by now
        trace += "j";
        Scheduler::join(quick);
        trace += "r";
    });
    scheduler.run();
    REQUIRE(trace == "qjr");
}

SWITCH_TEST(join_rethrows, "join rethrows the exception that ended the joined fiber", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::string caught;
    int reports = 0;
    scheduler.set_exception_handler([&](auto const&) { ++reports; });
    auto failing = scheduler.spawn([] {
        Scheduler::yield();
        throw std::runtime_error("the download failed");
    });
    scheduler.spawn([&] {
        try {
            Scheduler::join(failing);
        } catch (std::runtime_error const& error) {
            caught = error.what();
        }
    });
    scheduler.run();
    REQUIRE(caught == "the download failed");
    REQUIRE(reports == 0);  // it was retrieved: nothing to report
}

SWITCH_TEST(join_rethrows_finished, "join rethrows the exception of a fiber that failed before the join", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    int reports = 0;
    scheduler.set_exception_handler([&](auto const&) { ++reports; });
    auto failing = scheduler.spawn([] { throw std::logic_error("early failure"); });
    bool caught = false;
    scheduler.spawn([&] {
        REQUIRE(failing.done());
        try {
            Scheduler::join(failing);
        } catch (std::logic_error const&) {
            caught = true;
        }
    });
    scheduler.run();
    REQUIRE(caught);
    REQUIRE(reports == 0);
}

SWITCH_TEST(join_chain, "a chain of fibers each joining the next finishes in reverse order", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<int> finished;
    std::vector<typename Scheduler::Handle> handles(5);
    // Fiber i joins fiber i + 1; the last one sleeps a little by yielding.
    for (int i = 4; i >= 0; --i) {
        handles[static_cast<std::size_t>(i)] = scheduler.spawn([&, i] {
            if (i < 4)
                Scheduler::join(handles[static_cast<std::size_t>(i + 1)]);
            else
                for (int k = 0; k < 3; ++k) Scheduler::yield();
            finished.push_back(i);
        });
    }
    scheduler.run();
    REQUIRE(finished == std::vector<int>{4, 3, 2, 1, 0});
}

SWITCH_TEST(join_self, "a fiber that joins itself gets RuntimeError", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    bool refused = false;
    scheduler.spawn([&] {
        try {
            Scheduler::join(Scheduler::current());
        } catch (asyncio::RuntimeError const&) {
            refused = true;
        }
    });
    scheduler.run();
    REQUIRE(refused);
}

SWITCH_TEST(join_twice, "joining the same fiber twice throws InvalidStateError", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    auto worker = scheduler.spawn([] { Scheduler::yield(); });
    int refused = 0;
    // Once after the first join has returned, once while another fiber is still waiting.
    scheduler.spawn([&] {
        Scheduler::join(worker);
        try {
            Scheduler::join(worker);
        } catch (asyncio::InvalidStateError const&) {
            ++refused;
        }
    });
    auto slow = scheduler.spawn([] {
        for (int i = 0; i < 3; ++i) Scheduler::yield();
    });
    scheduler.spawn([&] { Scheduler::join(slow); });
    scheduler.spawn([&] {
        try {
            Scheduler::join(slow);  // the fiber before us is already waiting for it
        } catch (asyncio::InvalidStateError const&) {
            ++refused;
        }
    });
    scheduler.run();
    REQUIRE(refused == 2);
}

SWITCH_TEST(join_outside, "join outside a fiber throws RuntimeError", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    auto worker = scheduler.spawn([] {});
    REQUIRE_THROWS_AS(Scheduler::join(worker), asyncio::RuntimeError);
    scheduler.run();
    REQUIRE_THROWS_AS(Scheduler::join(worker), asyncio::RuntimeError);
}

SWITCH_TEST(join_other_scheduler, "joining a fiber of another scheduler throws RuntimeError", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler first, second;
    auto stranger = second.spawn([] {});
    bool refused = false;
    first.spawn([&] {
        try {
            Scheduler::join(stranger);
        } catch (asyncio::RuntimeError const&) {
            refused = true;
        }
    });
    first.run();
    second.run();
    REQUIRE(refused);
}

SWITCH_TEST(join_deadlock, "two fibers joining each other make run report a deadlock", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    typename Scheduler::Handle a, b;
    bool a_unwound = false;
    {
        Scheduler scheduler;
        struct SetOnUnwind {
            bool& flag;
            ~SetOnUnwind() { flag = true; }
        };
        a = scheduler.spawn([&] {
            SetOnUnwind guard{a_unwound};
            Scheduler::join(b);
        });
        b = scheduler.spawn([&] { Scheduler::join(a); });
        REQUIRE_THROWS_AS(scheduler.run(), asyncio::RuntimeError);
        REQUIRE_FALSE(a_unwound);
        REQUIRE_FALSE(a.done());
    }  // the scheduler's destructor unwinds the two stuck fibers
    REQUIRE(a_unwound);
    REQUIRE(a.done());
}

SWITCH_TEST(unjoined_exception_reported, "an exception nobody joins is reported while the other fibers go on",
            "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<std::string> log;
    scheduler.set_exception_handler([&](typename Scheduler::ExceptionContext const& context) {
        log.push_back("reported fiber " + std::to_string(context.fiber_id));
        REQUIRE(context.message.find("never retrieved") != std::string::npos);
        REQUIRE(context.message.find("lost in the woods") != std::string::npos);
        REQUIRE_THROWS_AS(std::rethrow_exception(context.exception), std::runtime_error);
    });
    scheduler.spawn([] {  // its handle is dropped at once: nobody can ever join it
        Scheduler::yield();
        throw std::runtime_error("lost in the woods");
    });
    scheduler.spawn([&] {
        for (int i = 0; i < 3; ++i) {
            log.push_back("other " + std::to_string(i));
            Scheduler::yield();
        }
    });
    scheduler.run();
    // Reported when it happened, not at the end, and the other fiber was not disturbed.
    REQUIRE(log == std::vector<std::string>{"other 0", "reported fiber 1", "other 1", "other 2"});
}

SWITCH_TEST(kept_handle_reported_at_end,
            "an exception of a fiber whose handle is kept but never joined is reported when run ends", "[join]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    std::vector<std::string> log;
    scheduler.set_exception_handler([&](auto const&) { log.push_back("reported"); });
    auto kept = scheduler.spawn([] { throw std::runtime_error("nobody asked"); });
    scheduler.spawn([&] {
        Scheduler::yield();
        log.push_back("still running");
    });
    scheduler.run();
    REQUIRE(log == std::vector<std::string>{"still running", "reported"});
    REQUIRE(kept.done());
}

TEST_CASE("the default exception handler writes unjoined exceptions to stderr", "[ch02][join]") {
    auto const result = testing::run_example("ch02_errors");
    INFO(result.out);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.err.find("Fiber exception was never retrieved") != std::string::npos);
    REQUIRE(result.err.find("the sensor is on fire") != std::string::npos);
    REQUIRE(result.out.find("the other fiber finished its 3 rounds") != std::string::npos);
}
