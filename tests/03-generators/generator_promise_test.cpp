// Chapter 03, step generator-promise: the promise is a plain object the compiler
// calls. These tests call its hooks by hand, the way the compiler would, before any
// coroutine runs, so this step can be checked before the iterator exists.
#include <testing/catch.hpp>

#include <asyncio/generator.hpp>

#include <coroutine>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using asyncio::Generator;

namespace {

// Counts how often it was copied or moved, to prove that yielding copies nothing.
struct CopyCounter {
    int copies = 0;
    int moves = 0;
    CopyCounter() = default;
    CopyCounter(CopyCounter const& other) : copies(other.copies + 1), moves(other.moves) {}
    CopyCounter(CopyCounter&& other) noexcept : copies(other.copies), moves(other.moves + 1) {}
    CopyCounter& operator=(CopyCounter const&) = delete;
    CopyCounter& operator=(CopyCounter&&) = delete;
};

}  // namespace

TEST_CASE("the generator promise suspends at co_yield and remembers where the lvalue it yields lives",
          "[ch03][generator-promise]") {
    Generator<std::string>::promise_type promise;
    std::string word = "spam";
    auto awaiter = promise.yield_value(word);
    STATIC_REQUIRE(std::is_same_v<decltype(awaiter), std::suspend_always>);
    REQUIRE(&promise.value() == &word);
    REQUIRE(promise.value() == "spam");
}

TEST_CASE("the generator promise keeps a yielded temporary where it is without copying or moving it",
          "[ch03][generator-promise]") {
    Generator<CopyCounter>::promise_type promise;
    CopyCounter temporary;
    (void)promise.yield_value(std::move(temporary));
    REQUIRE(&promise.value() == &temporary);
    REQUIRE(promise.value().copies == 0);
    REQUIRE(promise.value().moves == 0);
}

TEST_CASE("the generator promise of const references points at the object yielded",
          "[ch03][generator-promise]") {
    Generator<int const&>::promise_type promise;
    int const answer = 42;
    (void)promise.yield_value(answer);
    STATIC_REQUIRE(std::is_same_v<decltype(promise.value()), int const&>);
    REQUIRE(&promise.value() == &answer);
}

TEST_CASE("the generator promise follows each new co_yield", "[ch03][generator-promise]") {
    Generator<int>::promise_type promise;
    int first = 1;
    int second = 2;
    (void)promise.yield_value(first);
    (void)promise.yield_value(second);
    REQUIRE(&promise.value() == &second);
}

TEST_CASE("the generator promise holds an escaping exception until the consumer asks for it",
          "[ch03][generator-promise]") {
    Generator<int>::promise_type promise;
    // The compiler calls unhandled_exception() inside a catch block around the body.
    try {
        throw std::runtime_error("boom");
    } catch (...) {
        promise.unhandled_exception();
    }
    REQUIRE_THROWS_WITH(promise.rethrow_if_exception(), "boom");
    // Rethrown once: a second call finds nothing left.
    REQUIRE_NOTHROW(promise.rethrow_if_exception());
}

TEST_CASE("a fresh generator promise has nothing to rethrow", "[ch03][generator-promise]") {
    Generator<int>::promise_type promise;
    REQUIRE_NOTHROW(promise.rethrow_if_exception());
}

TEST_CASE("a generator is lazy at the start and keeps its frame at the end", "[ch03]") {
    // Given code, not an exercise: the lesson explains why both are suspend_always.
    Generator<int>::promise_type promise;
    STATIC_REQUIRE(std::is_same_v<decltype(promise.initial_suspend()), std::suspend_always>);
    STATIC_REQUIRE(std::is_same_v<decltype(promise.final_suspend()), std::suspend_always>);
    STATIC_REQUIRE(noexcept(promise.final_suspend()));
}
