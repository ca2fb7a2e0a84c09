// Chapter 03, step generator-iterator: reading a Generator with a range-for.
// Ordering, laziness, the end, exceptions from the body, and the kinds of T
// (values, references, move-only) a generator must handle.
#include <testing/catch.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/generator.hpp>

#include <algorithm>
#include <iterator>
#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

using asyncio::Generator;

namespace {

Generator<int> count_to(int limit) {
    for (int i = 0; i < limit; ++i) co_yield i;
}

Generator<long> fibonacci() {
    long a = 0, b = 1;
    for (;;) {
        co_yield a;
        a = std::exchange(b, a + b);
    }
}

Generator<int> yields_then_throws() {
    co_yield 1;
    co_yield 2;
    throw std::runtime_error("boom after two values");
}

Generator<int> throws_at_once() {
    throw std::runtime_error("boom before any value");
    co_return;  // makes this a coroutine
}

struct CopyCounter {
    int copies = 0;
    CopyCounter() = default;
    CopyCounter(CopyCounter const& other) : copies(other.copies + 1) {}
    CopyCounter& operator=(CopyCounter const&) = delete;
};

}  // namespace

TEST_CASE("a generator yields its values in order to a range-for", "[ch03][generator-iterator]") {
    std::vector<int> seen;
    for (int value : count_to(5)) seen.push_back(value);
    REQUIRE(seen == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a generator body does not start until begin asks for the first value", "[ch03][generator-iterator]") {
    bool started = false;
    auto lazy = [](bool& flag) -> Generator<int> {
        flag = true;
        co_yield 7;
    };
    auto generator = lazy(started);
    REQUIRE_FALSE(started);
    auto it = generator.begin();
    REQUIRE(started);
    REQUIRE(*it == 7);
}

TEST_CASE("a generator that yields nothing is empty at once", "[ch03][generator-iterator]") {
    auto empty = count_to(0);
    REQUIRE(empty.begin() == empty.end());
}

TEST_CASE("a default-constructed generator is empty", "[ch03][generator-iterator]") {
    Generator<int> nothing;
    int count = 0;
    for ([[maybe_unused]] int value : nothing) ++count;
    REQUIRE(count == 0);
}

TEST_CASE("a generator iterator equals end only after the last value", "[ch03][generator-iterator]") {
    auto generator = count_to(2);
    auto it = generator.begin();
    REQUIRE(it != generator.end());
    REQUIRE(*it == 0);
    ++it;
    REQUIRE(it != generator.end());
    REQUIRE(*it == 1);
    ++it;
    REQUIRE(it == generator.end());
}

TEST_CASE("an endless generator stops when the loop stops asking", "[ch03][generator-iterator]") {
    std::vector<long> first;
    for (long value : fibonacci()) {
        if (first.size() == 10) break;
        first.push_back(value);
    }
    REQUIRE(first == std::vector<long>{0, 1, 1, 2, 3, 5, 8, 13, 21, 34});
}

TEST_CASE("an exception thrown in a generator body comes out of the loop after the values before it",
          "[ch03][generator-iterator]") {
    std::vector<int> seen;
    auto read_all = [&] {
        for (int value : yields_then_throws()) seen.push_back(value);
    };
    REQUIRE_THROWS_WITH(read_all(), "boom after two values");
    REQUIRE(seen == std::vector<int>{1, 2});
}

TEST_CASE("an exception thrown before the first co_yield comes out of begin", "[ch03][generator-iterator]") {
    auto generator = throws_at_once();
    REQUIRE_THROWS_AS(generator.begin(), std::runtime_error);
}

TEST_CASE("a generator that threw is finished", "[ch03][generator-iterator]") {
    auto generator = yields_then_throws();
    auto it = generator.begin();
    ++it;
    REQUIRE_THROWS_WITH(++it, "boom after two values");
    REQUIRE(it == generator.end());
    REQUIRE(generator.begin() == generator.end());
}

TEST_CASE("advancing a generator iterator past the end throws InvalidStateError", "[ch03][generator-iterator]") {
    auto generator = count_to(1);
    auto it = generator.begin();
    ++it;
    REQUIRE(it == generator.end());
    REQUIRE_THROWS_AS(++it, asyncio::InvalidStateError);
}

TEST_CASE("a second loop over a generator continues where the first stopped", "[ch03][generator-iterator]") {
    // As in Python: `for x in gen: break` then `for x in gen:` goes on from there.
    auto generator = count_to(5);
    std::vector<int> first, second;
    for (int value : generator) {
        first.push_back(value);
        if (value == 1) break;
    }
    for (int value : generator) second.push_back(value);
    REQUIRE(first == std::vector<int>{0, 1});
    REQUIRE(second == std::vector<int>{2, 3, 4});
}

TEST_CASE("a generator of move-only values lets the loop take each one", "[ch03][generator-iterator]") {
    auto boxes = []() -> Generator<std::unique_ptr<int>> {
        for (int i = 1; i <= 3; ++i) co_yield std::make_unique<int>(i * 10);
    };
    std::vector<std::unique_ptr<int>> taken;
    for (auto& box : boxes()) taken.push_back(std::move(box));
    REQUIRE(taken.size() == 3);
    REQUIRE(*taken[0] == 10);
    REQUIRE(*taken[2] == 30);
}

TEST_CASE("a generator of references lets the loop change the objects it yields", "[ch03][generator-iterator]") {
    std::vector<int> numbers{1, 2, 3};
    auto each = [](std::vector<int>& all) -> Generator<int&> {
        for (int& n : all) co_yield n;
    };
    for (int& n : each(numbers)) n *= 10;
    REQUIRE(numbers == std::vector<int>{10, 20, 30});
}

TEST_CASE("a generator of const references copies nothing", "[ch03][generator-iterator]") {
    std::vector<CopyCounter> items(3);
    auto each = [](std::vector<CopyCounter> const& all) -> Generator<CopyCounter const&> {
        for (auto const& item : all) co_yield item;
    };
    std::size_t index = 0;
    for (CopyCounter const& item : each(items)) {
        REQUIRE(&item == &items[index]);
        REQUIRE(item.copies == 0);
        ++index;
    }
    REQUIRE(index == 3);
}

TEST_CASE("a generator of strings can yield literals and temporaries", "[ch03][generator-iterator]") {
    auto words = []() -> Generator<std::string> {
        co_yield "spam";                       // a temporary std::string is made
        co_yield std::string(3, 'e') + "ggs";  // a prvalue
        std::string const kept = "ham";
        co_yield kept;                         // a const lvalue is copied into a temporary
    };
    std::vector<std::string> seen;
    for (auto const& word : words()) seen.push_back(word);
    REQUIRE(seen == std::vector<std::string>{"spam", "eeeggs", "ham"});
}

TEST_CASE("a generator works with the standard range algorithms", "[ch03][generator-iterator]") {
    STATIC_REQUIRE(std::input_iterator<Generator<int>::iterator>);
    STATIC_REQUIRE(std::sentinel_for<std::default_sentinel_t, Generator<int>::iterator>);
    STATIC_REQUIRE(std::ranges::input_range<Generator<int>>);
    auto generator = count_to(10);
    REQUIRE(std::ranges::count_if(generator, [](int n) { return n % 3 == 0; }) == 4);  // 0 3 6 9
}
