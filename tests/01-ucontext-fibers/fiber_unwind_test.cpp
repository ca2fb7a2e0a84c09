// Chapter 01: destroying a suspended fiber unwinds its stack with asyncio::ForcedUnwind,
// thrown at its yield(). The unwinding is given code, but it needs the earlier steps: the
// switch, and (when ForcedUnwind reaches the bottom of the fiber) the code of step
// fiber-exceptions, which keeps it in exception_. Each test is tagged with the last step it needs.
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <asyncio/fiber.hpp>
#include <asyncio/forced_unwind.hpp>

#include <signal.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using asyncio::Fiber;

namespace {
struct Recorder {
    std::vector<std::string>& log;
    std::string name;
    ~Recorder() { log.push_back("~" + name); }
};
}  // namespace

static_assert(!std::is_base_of_v<std::exception, asyncio::ForcedUnwind>,
              "ForcedUnwind must pass through catch (std::exception const&)");

TEST_CASE("destroying a suspended fiber runs the destructors of the objects on its stack", "[ch01][fiber-exceptions]") {
    std::vector<std::string> log;
    auto fiber = std::make_unique<Fiber>([&] {
        Recorder outer{log, "outer"};
        Recorder inner{log, "inner"};
        Fiber::yield();
        log.push_back("resumed normally");
    });
    fiber->resume();
    REQUIRE(log.empty());
    fiber.reset();
    REQUIRE(log == std::vector<std::string>{"~inner", "~outer"});
}

TEST_CASE("destroying a fiber that never started never runs its body", "[ch01][fiber-exceptions]") {
    bool ran = false;
    { Fiber fiber([&] { ran = true; }); }
    REQUIRE_FALSE(ran);
    // Also after other fibers ran: destruction must not depend on the thread's state.
    std::vector<std::string> log;
    auto started = std::make_unique<Fiber>([&] {
        Recorder r{log, "started"};
        Fiber::yield();
    });
    started->resume();
    { Fiber never([&] { ran = true; }); }
    started.reset();
    REQUIRE_FALSE(ran);
    REQUIRE(log == std::vector<std::string>{"~started"});
}

TEST_CASE("destroying a finished fiber runs nothing more", "[ch01][fiber-switch]") {
    int runs = 0;
    {
        Fiber fiber([&] { ++runs; });
        fiber.resume();
    }
    REQUIRE(runs == 1);
}

TEST_CASE("a catch of std exception inside a fiber does not stop the forced unwind", "[ch01][fiber-exceptions]") {
    std::vector<std::string> log;
    auto fiber = std::make_unique<Fiber>([&] {
        Recorder r{log, "frame"};
        try {
            Fiber::yield();
        } catch (std::exception const&) {
            log.push_back("caught as std::exception");
        }
        log.push_back("went on after the try");
    });
    fiber->resume();
    fiber.reset();
    REQUIRE(log == std::vector<std::string>{"~frame"});
}

TEST_CASE("a catch all that rethrows inside a fiber lets the forced unwind finish", "[ch01][fiber-exceptions]") {
    std::vector<std::string> log;
    auto fiber = std::make_unique<Fiber>([&] {
        Recorder r{log, "frame"};
        try {
            Fiber::yield();
        } catch (...) {
            log.push_back("cleanup in catch all");
            throw;
        }
    });
    fiber->resume();
    fiber.reset();
    REQUIRE(log == std::vector<std::string>{"cleanup in catch all", "~frame"});
}

TEST_CASE("a fiber that catches the forced unwind and then returns is destroyed without error",
          "[ch01][fiber-switch]") {
    // Like a Python generator that catches GeneratorExit and returns: nothing is left on
    // the stack, so the destructor has nothing to complain about.
    std::vector<std::string> log;
    auto fiber = std::make_unique<Fiber>([&] {
        Recorder r{log, "frame"};
        try {
            Fiber::yield();
        } catch (asyncio::ForcedUnwind const&) {
            log.push_back("caught ForcedUnwind");
        }
    });
    fiber->resume();
    fiber.reset();
    REQUIRE(log == std::vector<std::string>{"caught ForcedUnwind", "~frame"});
}

TEST_CASE("destroying a suspended fiber also unwinds a suspended fiber living on its stack",
          "[ch01][fiber-exceptions]") {
    // The inner fiber is a local of the outer one: unwinding the outer stack destroys it,
    // which unwinds the inner stack while the outer one is in the middle of its own unwind.
    std::vector<std::string> log;
    auto outer = std::make_unique<Fiber>([&] {
        Recorder outer_frame{log, "outer"};
        Fiber inner([&] {
            Recorder inner_frame{log, "inner"};
            Fiber::yield();
        });
        inner.resume();
        Fiber::yield();
    });
    outer->resume();
    outer.reset();
    REQUIRE(log == std::vector<std::string>{"~inner", "~outer"});
}

TEST_CASE("a fiber destroyed while the resumer unwinds an exception is unwound too", "[ch01][fiber-exceptions]") {
    std::vector<std::string> log;
    std::string caught;
    try {
        Fiber fiber([&] {
            Recorder r{log, "frame"};
            Fiber::yield();
        });
        fiber.resume();
        throw std::runtime_error("leaving the scope by exception");
    } catch (std::runtime_error const& error) {
        caught = error.what();
    }
    REQUIRE(log == std::vector<std::string>{"~frame"});
    REQUIRE(caught == "leaving the scope by exception");
}

TEST_CASE("a fiber that swallows the forced unwind and yields again stops the program with a message",
          "[ch01][fiber-switch]") {
    auto const result = testing::run_example("ch01_unwind", {"swallow"});
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    REQUIRE(result.err.find("fiber ignored ForcedUnwind") != std::string::npos);
    REQUIRE(result.signal == SIGABRT);
    REQUIRE(result.out.find("never printed") == std::string::npos);
}
