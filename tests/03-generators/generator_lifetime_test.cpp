// Chapter 03, step generator-lifetime: a Generator owns its coroutine frame.
// Destroying it (finished or not) destroys the frame with everything in it, and
// moving it hands the frame over exactly once.
#include <testing/catch.hpp>

#include <asyncio/counted_frame.hpp>
#include <asyncio/generator.hpp>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using asyncio::Generator;

namespace {

// Counts live instances, so a test can see which destructors ran.
struct Probe {
    static inline int alive = 0;
    Probe() { ++alive; }
    Probe(Probe const&) { ++alive; }
    Probe(Probe&&) noexcept { ++alive; }
    Probe& operator=(Probe const&) = default;
    ~Probe() { --alive; }
};

// Frames still allocated through CountedFrame (the promise's operator new). Tests
// only compare it with its value before: clang -O2 may put a frame that cannot
// outlive its caller on the stack and call no operator new at all.
std::size_t live_frames() { return asyncio::frame_stats().live.load(); }

Generator<int> with_local_probe() {
    Probe local;
    for (int i = 0;; ++i) co_yield i;
}

Generator<int> with_probe_parameter(Probe probe) {
    (void)probe;
    co_yield 1;
}

Generator<int> count_to(int limit) {
    for (int i = 0; i < limit; ++i) co_yield i;
}

Generator<int> doubled(Generator<int> source) {
    for (int value : source) co_yield value * 2;
}

}  // namespace

TEST_CASE("destroying an unfinished generator runs the destructors of its locals", "[ch03][generator-lifetime]") {
    Probe::alive = 0;
    auto const frames_before = live_frames();
    {
        auto generator = with_local_probe();
        auto it = generator.begin();
        ++it;
        ++it;
        REQUIRE(*it == 2);
        REQUIRE(Probe::alive == 1);  // the local lives in the suspended frame
    }
    INFO("the frame suspended at a co_yield must be destroyed with the Generator");
    REQUIRE(Probe::alive == 0);
    REQUIRE(live_frames() == frames_before);
}

TEST_CASE("destroying a generator that never started frees its frame and the copies of its parameters",
          "[ch03][generator-lifetime]") {
    Probe::alive = 0;
    auto const frames_before = live_frames();
    {
        auto generator = with_probe_parameter(Probe{});
        REQUIRE(Probe::alive >= 1);  // the parameter was copied into the frame
    }
    REQUIRE(Probe::alive == 0);
    REQUIRE(live_frames() == frames_before);
}

TEST_CASE("a finished generator frees its frame when it is destroyed", "[ch03][generator-lifetime]") {
    auto const frames_before = live_frames();
    {
        int sum = 0;
        for (int value : count_to(4)) sum += value;
        REQUIRE(sum == 6);
    }
    REQUIRE(live_frames() == frames_before);
}

TEST_CASE("a generator cannot be copied", "[ch03]") {
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<Generator<int>>);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<Generator<int>>);
    STATIC_REQUIRE(std::is_move_constructible_v<Generator<int>>);
}

TEST_CASE("moving a generator hands over its frame and leaves the source empty", "[ch03][generator-lifetime]") {
    auto source = count_to(3);
    auto it = source.begin();
    REQUIRE(*it == 0);
    Generator<int> target = std::move(source);
    REQUIRE(source.begin() == source.end());  // NOLINT(bugprone-use-after-move): moved-from is empty
    std::vector<int> rest;
    for (int value : target) rest.push_back(value);
    REQUIRE(rest == std::vector<int>{1, 2});
}

TEST_CASE("move-assigning a generator destroys the frame it replaces", "[ch03][generator-lifetime]") {
    Probe::alive = 0;
    auto const frames_before = live_frames();
    {
        auto generator = with_local_probe();
        generator.begin();
        REQUIRE(Probe::alive == 1);
        generator = count_to(2);
        REQUIRE(Probe::alive == 0);
        std::vector<int> seen;
        for (int value : generator) seen.push_back(value);
        REQUIRE(seen == std::vector<int>{0, 1});
    }
    REQUIRE(live_frames() == frames_before);
}

TEST_CASE("move-assigning a generator to itself keeps its frame", "[ch03][generator-lifetime]") {
    auto generator = count_to(3);
    auto& alias = generator;  // through an alias, so the compiler does not warn
    generator = std::move(alias);
    std::vector<int> seen;
    for (int value : generator) seen.push_back(value);
    REQUIRE(seen == std::vector<int>{0, 1, 2});
}

TEST_CASE("generators can be kept in a vector and read later", "[ch03][generator-lifetime]") {
    auto const frames_before = live_frames();
    {
        std::vector<Generator<int>> generators;
        for (int limit = 1; limit <= 3; ++limit) generators.push_back(count_to(limit));
        int total = 0;
        for (auto& generator : generators)
            for (int value : generator) total += value;
        REQUIRE(total == 0 + (0 + 1) + (0 + 1 + 2));
    }
    REQUIRE(live_frames() == frames_before);
}

TEST_CASE("a generator passed by value to another generator is moved into its frame", "[ch03][generator-lifetime]") {
    auto const frames_before = live_frames();
    {
        std::vector<int> seen;
        for (int value : doubled(count_to(4))) seen.push_back(value);
        REQUIRE(seen == std::vector<int>{0, 2, 4, 6});
    }
    REQUIRE(live_frames() == frames_before);
}
