// Chapter 01, step fiber-exceptions: an exception escaping a fiber's body is caught on the
// fiber's stack and rethrown from the resume() that ran it, on the resumer's stack.
#include <testing/catch.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>

#include <stdexcept>
#include <string>

using asyncio::Fiber;

TEST_CASE("an exception thrown in a fiber comes out of the resume that ran it", "[ch01][fiber-exceptions]") {
    Fiber fiber([] { throw std::out_of_range("thrown inside the fiber"); });
    std::string message;
    try {
        fiber.resume();
    } catch (std::out_of_range const& error) {
        message = error.what();
    }
    REQUIRE(message == "thrown inside the fiber");
}

TEST_CASE("a fiber that threw is done and resuming it again throws RuntimeError", "[ch01][fiber-exceptions]") {
    Fiber fiber([] { throw std::runtime_error("once"); });
    REQUIRE_THROWS_AS(fiber.resume(), std::runtime_error);
    REQUIRE(fiber.done());
    REQUIRE_THROWS_AS(fiber.resume(), asyncio::RuntimeError);
}

TEST_CASE("an exception thrown after a yield comes out of the later resume", "[ch01][fiber-exceptions]") {
    Fiber fiber([] {
        Fiber::yield();
        throw std::logic_error("second step");
    });
    REQUIRE_NOTHROW(fiber.resume());
    REQUIRE_FALSE(fiber.done());
    REQUIRE_THROWS_AS(fiber.resume(), std::logic_error);
    REQUIRE(fiber.done());
}

TEST_CASE("an exception escaping a nested fiber passes through the outer fiber to main", "[ch01][fiber-exceptions]") {
    bool outer_went_on = false;
    Fiber inner([] { throw std::runtime_error("from inner"); });
    Fiber outer([&] {
        inner.resume();  // rethrows here, on the outer fiber's stack, and escapes its body too
        outer_went_on = true;
    });
    std::string message;
    try {
        outer.resume();
    } catch (std::runtime_error const& error) {
        message = error.what();
    }
    REQUIRE(message == "from inner");
    REQUIRE_FALSE(outer_went_on);
    REQUIRE(inner.done());
    REQUIRE(outer.done());
}

TEST_CASE("an exception of a type not derived from std exception crosses resume unchanged",
          "[ch01][fiber-exceptions]") {
    Fiber fiber([] { throw 42; });
    int thrown = 0;
    try {
        fiber.resume();
    } catch (int value) {
        thrown = value;
    }
    REQUIRE(thrown == 42);
}

TEST_CASE("the resumer catches a fiber exception only once", "[ch01][fiber-exceptions]") {
    // After the exception came out of resume(), the fiber holds no copy of it any more.
    int thrown = 0;
    Fiber fiber([] { throw std::runtime_error("only once"); });
    try {
        fiber.resume();
    } catch (std::runtime_error const&) {
        ++thrown;
    }
    try {
        fiber.resume();
    } catch (asyncio::RuntimeError const&) {
        // finished: this is the "resumed a finished fiber" error, not the body's exception again
    } catch (std::runtime_error const&) {
        ++thrown;
    }
    REQUIRE(thrown == 1);
}
