// Chapter 04, step coro-lazy-start: a Coro runs nothing until it is awaited, and
// awaiting it records the awaiting coroutine as its continuation and starts the body.
#include <testing/catch.hpp>
#include <testing/root_coroutine.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/exceptions.hpp>

#include <string>
#include <utility>
#include <vector>

using asyncio::Coro;
using testing::RootCoroutine;

namespace {

using Log = std::vector<std::string>;

// Counts live instances, so a test can see which destructors ran.
struct Witness {
    static inline int alive = 0;
    Witness() { ++alive; }
    Witness(Witness const&) { ++alive; }
    Witness(Witness&&) noexcept { ++alive; }
    ~Witness() { --alive; }
};

std::size_t live_frames() {
    return asyncio::frame_stats().live.load();
}

Coro<void> record(Log& log, std::string entry) {
    log.push_back(std::move(entry));
    co_return;
}

Coro<void> record_with_witness(Log& log, Witness witness) {
    (void)witness;
    log.push_back("body ran");
    co_return;
}

// The root coroutines of these tests: they await a Coro and stop. They look only at
// what the body did, not at the result: reading results is the next step's business.
RootCoroutine await_it(Coro<void> coro) {
    co_await std::move(coro);
}

}  // namespace

TEST_CASE("calling a coroutine function returns a Coro without running any of its body", "[ch04][coro-lazy-start]") {
    Log log;
    {
        Coro<void> coro = record(log, "body ran");
        CHECK(log.empty());
        CHECK_FALSE(coro.done());
    }
    CHECK(log.empty());
}

TEST_CASE("awaiting a Coro runs its body exactly once", "[ch04][coro-lazy-start]") {
    Log log;
    Coro<void> coro = record(log, "body ran");
    RootCoroutine root = await_it(std::move(coro));
    // A stub's NotImplementedError ends up in the root; show it if the body never ran.
    if (log.empty()) root.rethrow_if_failed();
    CHECK(log == Log{"body ran"});
}

TEST_CASE("a Coro keeps copies of its arguments until it runs", "[ch04][coro-lazy-start]") {
    Log log;
    Coro<void> coro = [&log] {
        std::string temporary = "made from a string that is gone by the time the body runs";
        return record(log, temporary);
    }();
    RootCoroutine root = await_it(std::move(coro));
    if (log.empty()) root.rethrow_if_failed();
    CHECK(log == Log{"made from a string that is gone by the time the body runs"});
}

TEST_CASE("a Coro destroyed before it was awaited frees its frame and never runs", "[ch04][coro-lazy-start]") {
    Log log;
    std::size_t const frames_before = live_frames();
    {
        Coro<void> coro = record_with_witness(log, Witness{});
        // (No check that one more frame is live: clang -O2 may put this frame on the
        // stack, since it can see the Coro die in this scope.)
        CHECK(Witness::alive == 1);  // the copy of the argument, in the frame
    }
    CHECK(live_frames() == frames_before);
    CHECK(Witness::alive == 0);
    CHECK(log.empty());
}

TEST_CASE("awaiting a moved-from Coro throws InvalidStateError", "[ch04][coro-lazy-start]") {
    Log log;
    Coro<void> coro = record(log, "body ran");
    Coro<void> new_owner = std::move(coro);
    RootCoroutine root = await_it(std::move(coro));  // NOLINT(bugprone-use-after-move): that is the test
    REQUIRE(root.done());
    CHECK_THROWS_AS(root.rethrow_if_failed(), asyncio::InvalidStateError);
    CHECK(log.empty());
}
