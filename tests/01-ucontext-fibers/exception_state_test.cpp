// Chapter 01: the C++ exception state is per stack. The switch (step fiber-switch) swaps
// the thread's exception record, so catch blocks, `throw;` and std::uncaught_exceptions()
// mean the same inside a fiber as they would on a thread of its own.
#include <testing/catch.hpp>

#include <asyncio/fiber.hpp>

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

using asyncio::Fiber;

namespace {

// A fiber body that catches its own exception, yields inside the catch block, then
// rethrows it with `throw;` and records what came back.
auto yield_inside_catch(std::string name, std::vector<std::string>& log) {
    return [name, &log] {
        try {
            throw std::runtime_error(name);
        } catch (std::exception const&) {
            Fiber::yield();
            try {
                throw;
            } catch (std::exception const& again) {
                log.push_back(name + " rethrew " + again.what());
            }
        }
    };
}

}  // namespace

TEST_CASE("two fibers that yield inside catch blocks each rethrow their own exception", "[ch01][fiber-switch]") {
    std::vector<std::string> log;
    Fiber a(yield_inside_catch("a", log));
    Fiber b(yield_inside_catch("b", log));
    a.resume();
    b.resume();
    a.resume();  // a rethrows while b is still inside its catch block
    b.resume();
    REQUIRE(log == std::vector<std::string>{"a rethrew a", "b rethrew b"});
    REQUIRE(std::current_exception() == nullptr);
    REQUIRE(std::uncaught_exceptions() == 0);
}

TEST_CASE("fibers that yield inside catch blocks may finish in either order", "[ch01][fiber-switch]") {
    std::vector<std::string> log;
    Fiber a(yield_inside_catch("a", log));
    Fiber b(yield_inside_catch("b", log));
    a.resume();
    b.resume();
    b.resume();
    a.resume();
    REQUIRE(log == std::vector<std::string>{"b rethrew b", "a rethrew a"});
    REQUIRE(std::current_exception() == nullptr);
}

TEST_CASE("main resuming fibers from its catch block still rethrows its own exception", "[ch01][fiber-switch]") {
    std::vector<std::string> log;
    Fiber a(yield_inside_catch("a", log));
    std::string main_rethrew;
    try {
        throw std::runtime_error("main");
    } catch (std::exception const&) {
        a.resume();  // a enters its own catch block and yields
        try {
            throw;
        } catch (std::exception const& again) {
            main_rethrew = again.what();
        }
    }
    a.resume();
    REQUIRE(main_rethrew == "main");
    REQUIRE(log == std::vector<std::string>{"a rethrew a"});
}

TEST_CASE("a fiber resumed from a catch block has no current exception of its own", "[ch01][fiber-switch]") {
    std::exception_ptr seen = std::make_exception_ptr(0);  // not null, so the test sees a change
    Fiber fiber([&] { seen = std::current_exception(); });
    try {
        throw std::runtime_error("main's");
    } catch (...) {
        fiber.resume();
    }
    REQUIRE(seen == nullptr);
}

namespace {
struct ResumeWhenDestroyed {
    Fiber& fiber;
    int& uncaught_seen;
    ~ResumeWhenDestroyed() {
        uncaught_seen = std::uncaught_exceptions();
        fiber.resume();
    }
};
}  // namespace

TEST_CASE("a fiber resumed during stack unwinding does not count the resumer's exception", "[ch01][fiber-switch]") {
    int in_destructor = -1;
    int in_fiber = -1;
    Fiber fiber([&] { in_fiber = std::uncaught_exceptions(); });
    try {
        ResumeWhenDestroyed resumer{fiber, in_destructor};
        throw std::runtime_error("unwinding");
    } catch (std::runtime_error const&) {
    }
    REQUIRE(in_destructor == 1);
    REQUIRE(in_fiber == 0);
}
