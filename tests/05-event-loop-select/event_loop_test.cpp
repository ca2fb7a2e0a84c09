// Chapter 05: the ready queue (call-soon) and running and stopping the loop
// (run-forever), on every selector in COURSE_SELECTORS_UNDER_TEST.
#include <testing/catch.hpp>

#include <testing/capture_stderr.hpp>
#include <testing/selectors_under_test.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// ---- call-soon ------------------------------------------------------------------------

TEMPLATE_TEST_CASE("callbacks run in the order call_soon scheduled them", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) loop.call_soon([&order, i] { order.push_back(i); });
    loop.run_once();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEMPLATE_TEST_CASE("a cancelled callback does not run and the others still do", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    std::vector<char> ran;
    loop.call_soon([&] { ran.push_back('a'); });
    asyncio::Handle b = loop.call_soon([&] { ran.push_back('b'); });
    loop.call_soon([&] { ran.push_back('c'); });
    CHECK_FALSE(b.cancelled());
    b.cancel();
    CHECK(b.cancelled());
    loop.run_once();
    CHECK(ran == std::vector<char>{'a', 'c'});
}

TEMPLATE_TEST_CASE("a callback cancelled by an earlier callback of the same iteration does not run",
                        "[ch05][call-soon]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    asyncio::Handle second;
    bool second_ran = false;
    loop.call_soon([&] { second.cancel(); });
    second = loop.call_soon([&] { second_ran = true; });
    loop.run_once();
    CHECK_FALSE(second_ran);
}

TEMPLATE_TEST_CASE("cancelling a scheduled callback releases what it captured at once", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto resource = std::make_shared<int>(42);
    std::weak_ptr<int> watch = resource;
    asyncio::Handle handle = loop.call_soon([resource = std::move(resource)] { (void)*resource; });
    CHECK_FALSE(watch.expired());  // the loop holds the callback, and the callback the resource
    handle.cancel();
    CHECK(watch.expired());  // gone now, although the loop has not run and handle still exists
    loop.run_once();
}

TEMPLATE_TEST_CASE("a callback that cancels its own handle finishes its call safely", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    asyncio::Handle self;
    std::string seen;
    auto text = std::make_shared<std::string>("still alive");
    self = loop.call_soon([&self, &seen, text] {
        self.cancel();  // must not destroy this lambda (and `text`) while it runs
        seen = *text;
    });
    text.reset();
    loop.run_once();
    CHECK(seen == "still alive");
    CHECK(self.cancelled());
}

TEMPLATE_TEST_CASE("callbacks scheduled while the ready queue runs wait for the next iteration",
                        "[ch05][call-soon]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    std::vector<std::string> log;
    loop.call_soon([&] {
        log.push_back("first");
        loop.call_soon([&] { log.push_back("scheduled by first"); });
    });
    loop.call_soon([&] { log.push_back("second"); });
    loop.run_once();
    CHECK(log == std::vector<std::string>{"first", "second"});
    loop.run_once();
    CHECK(log == std::vector<std::string>{"first", "second", "scheduled by first"});
}

TEMPLATE_TEST_CASE("a callback that reschedules itself runs once per iteration", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    int runs = 0;
    std::function<void()> again = [&] {
        if (++runs < 1000) loop.call_soon(again);
    };
    loop.call_soon(again);
    loop.run_once();
    CHECK(runs == 1);  // a loop that ran until the queue is empty would say 1000 (starvation)
    loop.run_once();
    CHECK(runs == 2);
}

TEMPLATE_TEST_CASE("an exception from a callback goes to the exception handler and the loop goes on",
                        "[ch05][call-soon]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    std::vector<asyncio::ExceptionContext> contexts;
    loop.set_exception_handler([&](asyncio::EventLoop& from, asyncio::ExceptionContext const& context) {
        CHECK(&from == &loop);
        contexts.push_back(context);
    });
    bool after_ran = false;
    asyncio::Handle failing = loop.call_soon([] { throw std::runtime_error("boom"); });
    loop.call_soon([&] { after_ran = true; });
    loop.run_once();

    CHECK(after_ran);
    REQUIRE(contexts.size() == 1);
    CHECK(contexts[0].message.find("Exception in callback") != std::string::npos);
    CHECK(contexts[0].handle == failing);
    REQUIRE(contexts[0].exception);
    CHECK_THROWS_WITH(std::rethrow_exception(contexts[0].exception), "boom");
}

TEMPLATE_TEST_CASE("a callback that throws something that is not a std::exception reaches the handler too",
                   "[ch05][call-soon]", COURSE_SELECTORS_UNDER_TEST) {
    // C++ can throw any type; catching only std::exception would end the program here.
    asyncio::EventLoop loop(std::make_unique<TestType>());
    int reports = 0;
    loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
        ++reports;
        CHECK_THROWS_AS(std::rethrow_exception(context.exception), int);
    });
    bool after_ran = false;
    loop.call_soon([] { throw 42; });
    loop.call_soon([&] { after_ran = true; });
    loop.run_once();
    CHECK(reports == 1);
    CHECK(after_ran);
}

TEMPLATE_TEST_CASE("the default exception handler prints the exception and where the callback came from",
                        "[ch05][call-soon]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    int const line = __LINE__ + 1;
    loop.call_soon([] { throw std::logic_error("broken invariant"); });
    testing::CaptureStderr captured;
    loop.run_once();
    std::string const text = captured.text();
    INFO("stderr: " << text);
    CHECK(text.find("Exception in callback") != std::string::npos);
    CHECK(text.find("broken invariant") != std::string::npos);
    CHECK(text.find("std::logic_error") != std::string::npos);
    CHECK(text.find("event_loop_test.cpp:" + std::to_string(line)) != std::string::npos);
}

TEMPLATE_TEST_CASE("an exception handler that throws does not stop the loop", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    loop.set_exception_handler([](asyncio::EventLoop&, asyncio::ExceptionContext const&) {
        throw std::runtime_error("the handler is broken too");
    });
    bool after_ran = false;
    loop.call_soon([] { throw std::runtime_error("boom"); });
    loop.call_soon([&] { after_ran = true; });
    testing::CaptureStderr captured;
    loop.run_once();
    std::string const text = captured.text();
    CHECK(after_ran);
    CHECK(text.find("the handler is broken too") != std::string::npos);
    CHECK(text.find("boom") != std::string::npos);
}

TEMPLATE_TEST_CASE("scheduling on a closed loop throws RuntimeError", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    loop.close();
    CHECK(loop.is_closed());
    CHECK_THROWS_AS(loop.call_soon([] {}), asyncio::RuntimeError);
    loop.close();  // closing again is harmless
}

TEMPLATE_TEST_CASE("closing a loop with callbacks pending drops them without running them",
                        "[ch05][call-soon]", COURSE_SELECTORS_UNDER_TEST) {
    auto resource = std::make_shared<int>(1);
    std::weak_ptr<int> watch = resource;
    bool ran = false;
    {
        asyncio::EventLoop loop(std::make_unique<TestType>());
        loop.call_soon([&ran, resource = std::move(resource)] { ran = true; });
        CHECK_FALSE(watch.expired());
        loop.close();
        CHECK(watch.expired());
    }
    CHECK_FALSE(ran);
}

TEMPLATE_TEST_CASE("destroying a loop with callbacks pending releases them", "[ch05][call-soon]",
                        COURSE_SELECTORS_UNDER_TEST) {
    auto resource = std::make_shared<int>(1);
    std::weak_ptr<int> watch = resource;
    {
        asyncio::EventLoop loop(std::make_unique<TestType>());
        loop.call_soon([resource = std::move(resource)] {});
    }
    CHECK(watch.expired());
}

TEST_CASE("call_soon refuses an empty callback", "[ch05]") {
    asyncio::EventLoop loop;
    CHECK_THROWS_AS(loop.call_soon(nullptr), std::invalid_argument);
}

TEST_CASE("an EventLoop without a selector is refused", "[ch05]") {
    CHECK_THROWS_AS(asyncio::EventLoop(nullptr), std::invalid_argument);
}

// ---- run-forever ----------------------------------------------------------------------

TEMPLATE_TEST_CASE("stop called from a callback ends run_forever after the current iteration",
                        "[ch05][run-forever]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    std::vector<std::string> log;
    loop.call_soon([&] {
        log.push_back("stopper");
        loop.stop();
        loop.call_soon([&] { log.push_back("next iteration"); });
    });
    loop.call_soon([&] { log.push_back("same iteration"); });
    loop.run_forever();
    CHECK(log == std::vector<std::string>{"stopper", "same iteration"});
    CHECK_FALSE(loop.is_running());
    loop.run_once();  // what was scheduled is still there for the next run
    CHECK(log.back() == "next iteration");
}

TEMPLATE_TEST_CASE("a loop that keeps scheduling runs many iterations until stopped", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    int countdown = 100;
    std::function<void()> tick = [&] {
        if (--countdown == 0)
            loop.stop();
        else
            loop.call_soon(tick);
    };
    loop.call_soon(tick);
    loop.run_forever();
    CHECK(countdown == 0);
}

TEMPLATE_TEST_CASE("stop before run_forever runs exactly one iteration", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    int runs = 0;
    std::function<void()> again = [&] {
        ++runs;
        loop.call_soon(again);
    };
    loop.call_soon(again);
    loop.stop();
    loop.run_forever();  // would never return if stop() were forgotten or reset too early
    CHECK(runs == 1);
    CHECK_FALSE(loop.is_running());
}

TEMPLATE_TEST_CASE("run_forever can run again after it stopped", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    int runs = 0;
    for (int round = 1; round <= 3; ++round) {
        loop.call_soon([&] {
            ++runs;
            loop.stop();
        });
        loop.run_forever();
        CHECK(runs == round);
    }
}

TEMPLATE_TEST_CASE("is_running is true only while the loop runs", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    bool inside = false;
    CHECK_FALSE(loop.is_running());
    loop.call_soon([&] {
        inside = loop.is_running();
        loop.stop();
    });
    loop.run_forever();
    CHECK(inside);
    CHECK_FALSE(loop.is_running());
}

TEMPLATE_TEST_CASE("run_forever from a callback of the running loop throws RuntimeError",
                        "[ch05][run-forever]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    bool threw_runtime_error = false;
    loop.call_soon([&] {
        try {
            loop.run_forever();
        } catch (asyncio::RuntimeError const&) {
            threw_runtime_error = true;
        }
        loop.stop();
    });
    loop.run_forever();
    CHECK(threw_runtime_error);
}

TEMPLATE_TEST_CASE("run_forever on a closed loop throws RuntimeError", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    loop.close();
    CHECK_THROWS_AS(loop.run_forever(), asyncio::RuntimeError);
    CHECK_THROWS_AS(loop.run_once(), asyncio::RuntimeError);
}

TEMPLATE_TEST_CASE("closing a running loop throws RuntimeError and the loop goes on", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    bool threw_runtime_error = false;
    bool later_ran = false;
    loop.call_soon([&] {
        try {
            loop.close();
        } catch (asyncio::RuntimeError const&) {
            threw_runtime_error = true;
        }
        loop.call_soon([&] {
            later_ran = true;
            loop.stop();
        });
    });
    loop.run_forever();
    CHECK(threw_runtime_error);
    CHECK(later_ran);
    CHECK_FALSE(loop.is_closed());
}

TEMPLATE_TEST_CASE("get_running_loop finds the loop from its callbacks only", "[ch05][run-forever]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    asyncio::EventLoop* found = nullptr;
    CHECK_THROWS_AS(asyncio::get_running_loop(), asyncio::RuntimeError);
    loop.call_soon([&] {
        found = &asyncio::get_running_loop();
        loop.stop();
    });
    loop.run_forever();
    CHECK(found == &loop);
    CHECK_THROWS_AS(asyncio::get_running_loop(), asyncio::RuntimeError);
}

TEMPLATE_TEST_CASE("running a second loop inside a callback of the first throws RuntimeError",
                        "[ch05][run-forever]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop outer(std::make_unique<TestType>());
    asyncio::EventLoop inner(std::make_unique<TestType>());
    bool threw_runtime_error = false;
    outer.call_soon([&] {
        inner.call_soon([] {});
        try {
            inner.run_once();
        } catch (asyncio::RuntimeError const&) {
            threw_runtime_error = true;
        }
        outer.stop();
    });
    outer.run_forever();
    CHECK(threw_runtime_error);
}
