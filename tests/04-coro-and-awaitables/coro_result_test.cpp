// Chapter 04, step coro-result: Result<T> keeps what a coroutine produced (a value, a
// reference, "done" for void, or an exception) and hands it over exactly once.
// Coro's promise writes into one; the Coro's awaiter takes from it.
#include <testing/catch.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/result.hpp>

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

using asyncio::InvalidStateError;
using asyncio::Result;

TEST_CASE("a Result hands over its value once and refuses a second take", "[ch04][coro-result]") {
    Result<std::string> result;
    CHECK_FALSE(result.is_set());
    result.set_value("Data from http://example.com");
    CHECK(result.is_set());
    CHECK(result.has_value());
    CHECK(result.take() == "Data from http://example.com");
    CHECK_FALSE(result.is_set());
    CHECK_THROWS_AS(result.take(), InvalidStateError);
}

TEST_CASE("a Result of a move-only type moves the value out", "[ch04][coro-result]") {
    Result<std::unique_ptr<int>> result;
    result.set_value(std::make_unique<int>(42));
    std::unique_ptr<int> value = result.take();
    REQUIRE(value != nullptr);
    CHECK(*value == 42);
}

TEST_CASE("a Result of a reference refers to the original object", "[ch04][coro-result]") {
    std::string original = "kept elsewhere";
    Result<std::string&> result;
    result.set_value(original);
    std::string& taken = result.take();
    CHECK(&taken == &original);
}

TEST_CASE("a Result of void records only that the work finished", "[ch04][coro-result]") {
    Result<void> result;
    CHECK_FALSE(result.is_set());
    result.set_value();
    CHECK(result.has_value());
    CHECK_NOTHROW(result.take());
    CHECK_THROWS_AS(result.take(), InvalidStateError);
}

TEST_CASE("a Result holding an exception rethrows it from take", "[ch04][coro-result]") {
    Result<int> result;
    result.set_exception(std::make_exception_ptr(std::runtime_error("connection refused")));
    CHECK(result.has_exception());
    CHECK_FALSE(result.has_value());
    CHECK_THROWS_WITH(result.take(), "connection refused");
    // Handed over once, like a value.
    CHECK_THROWS_AS(result.take(), InvalidStateError);
}

TEST_CASE("taking from an empty Result throws InvalidStateError", "[ch04][coro-result]") {
    Result<int> result;
    CHECK_THROWS_AS(result.take(), InvalidStateError);
    Result<void> nothing;
    CHECK_THROWS_AS(nothing.take(), InvalidStateError);
}

TEST_CASE("setting a Result twice throws InvalidStateError", "[ch04][coro-result]") {
    Result<int> result;
    result.set_value(1);
    CHECK_THROWS_AS(result.set_value(2), InvalidStateError);
    CHECK_THROWS_AS(result.set_exception(std::make_exception_ptr(std::runtime_error("late"))), InvalidStateError);
    CHECK(result.take() == 1);
}
