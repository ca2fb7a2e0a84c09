// Chapter 12, step pooled-handle: the Handle keeps its callable in a node of its own
// (inline when it fits, on the heap when not), counts its references itself, and gives
// the node back to its thread's pool when the last reference goes. Chapters 05 and 07's
// tests check that it still behaves as a Handle; these check the node and the pool.
// Each test runs in a process of its own (CTest), so the pools start empty.
#include <testing/catch.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/timer_handle.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

using Pool = asyncio::detail::NodePool<asyncio::detail::HandleNode>;
using TimerPool = asyncio::detail::NodePool<asyncio::detail::TimerNode>;

// A callable of exactly `Size` bytes that adds its first byte to a counter.
template <std::size_t Size>
struct Sized {
    int* counter;
    std::array<unsigned char, Size - sizeof(int*)> bytes{};
    void operator()() const { *counter += bytes[0]; }
};

// Counts how often it is copied and moved on its way into the node.
struct Traced {
    int* copies;
    int* moves;
    int* calls;
    Traced(int* c, int* m, int* n) : copies(c), moves(m), calls(n) {}
    Traced(Traced const& other) : copies(other.copies), moves(other.moves), calls(other.calls) { ++*copies; }
    Traced(Traced&& other) noexcept : copies(other.copies), moves(other.moves), calls(other.calls) { ++*moves; }
    void operator()() const { ++*calls; }
};

}  // namespace

TEST_CASE("a handle dropped by its last copy gives its node to this thread's pool and the next handle takes it back",
          "[ch12][pooled-handle]") {
    std::size_t const before = Pool::cached();
    REQUIRE(before + 2 < Pool::max_cached);
    int runs = 0;
    {
        asyncio::Handle handle([&runs] { ++runs; });
        asyncio::Handle copy = handle;
        CHECK(Pool::cached() == before);
        handle = asyncio::Handle();
        CHECK(Pool::cached() == before);  // a copy still refers to it
        copy.run();
    }
    CHECK(runs == 1);
    CHECK(Pool::cached() == before + 1);
    {
        asyncio::Handle next([] {});
        CHECK(Pool::cached() == before);  // reused, not allocated
    }
    CHECK(Pool::cached() == before + 1);
}

TEST_CASE("the last copy of a handle destroys what its callback captured and not before", "[ch12][pooled-handle]") {
    auto token = std::make_shared<int>(7);
    std::vector<asyncio::Handle> copies;
    int seen = 0;
    copies.emplace_back([token, &seen] { seen += *token; });
    for (int i = 0; i < 4; ++i) copies.push_back(copies.front());
    REQUIRE(token.use_count() == 2);
    while (copies.size() > 1) {
        copies.pop_back();
        CHECK(token.use_count() == 2);  // the callable lives while any copy does
    }
    copies.front().run();
    CHECK(seen == 7);
    copies.clear();
    CHECK(token.use_count() == 1);
}

TEST_CASE("a node reused from the pool starts as a new handle whatever the last one did", "[ch12][pooled-handle]") {
    std::size_t const before = Pool::cached();
    {
        asyncio::Handle cancelled([] {});
        cancelled.cancel();
    }
    REQUIRE(Pool::cached() == before + 1);
    int runs = 0;
    asyncio::Handle fresh([&runs] { ++runs; });
    REQUIRE(Pool::cached() == before);  // the same node as the cancelled one
    CHECK_FALSE(fresh.cancelled());
    CHECK(fresh.describe().find("cancelled") == std::string::npos);
    fresh.run();
    CHECK(runs == 1);
}

TEST_CASE("a callable of the node's size is kept inline and a larger or over-aligned one on the heap",
          "[ch12][pooled-handle]") {
    int counter = 0;
    Sized<asyncio::Handle::inline_capacity> fits{&counter};
    fits.bytes[0] = 1;
    Sized<asyncio::Handle::inline_capacity + 8> too_big{&counter};
    too_big.bytes[0] = 10;
    too_big.bytes.back() = 99;
    // Small enough for the node, but stricter than its storage's alignment.
    struct alignas(2 * asyncio::detail::HandleNode::storage_align) OverAligned {
        int* counter;
        void operator()() const {
            // Wherever it is kept, it must be where its alignment says.
            if (reinterpret_cast<std::uintptr_t>(this) % alignof(OverAligned) == 0) *counter += 100;
        }
    };
    static_assert(sizeof(OverAligned) <= asyncio::Handle::inline_capacity);
    asyncio::Handle small(fits);
    asyncio::Handle big(too_big);
    asyncio::Handle aligned(OverAligned{&counter});
    asyncio::Handle function(std::function<void()>([&counter] { counter += 1000; }));
    CHECK(small.callable_is_inline());
    CHECK_FALSE(big.callable_is_inline());
    CHECK_FALSE(aligned.callable_is_inline());
    CHECK(function.callable_is_inline());  // a std::function (32 bytes here) fits too
    small.run();
    big.run();
    aligned.run();
    function.run();
    CHECK(counter == 1111);
}

TEST_CASE("a callable on the heap is freed when its handle is cancelled", "[ch12][pooled-handle]") {
    auto token = std::make_shared<int>(1);
    std::array<char, 200> ballast{};
    asyncio::Handle handle([token, ballast] { (void)ballast; });
    REQUIRE_FALSE(handle.callable_is_inline());
    REQUIRE(token.use_count() == 2);
    handle.cancel();
    CHECK(token.use_count() == 1);
    CHECK_FALSE(handle.callable_is_inline());  // nothing is kept any more
}

TEST_CASE("call_soon keeps any callable as it is without copying it on the way", "[ch12][pooled-handle]") {
    asyncio::EventLoop loop;
    int copies = 0, moves = 0, calls = 0;
    (void)loop.call_soon(Traced(&copies, &moves, &calls));
    Traced lvalue(&copies, &moves, &calls);
    (void)loop.call_soon(lvalue);
    CHECK(copies == 1);  // the lvalue, once, into its node
    CHECK(moves == 1);   // the temporary, once, into its node
    // A callable that cannot be copied, which a std::function could not hold.
    auto owned = std::make_unique<int>(5);
    int got = 0;
    (void)loop.call_soon([owned = std::move(owned), &got] { got = *owned; });
    loop.run_once();
    CHECK(calls == 2);
    CHECK(got == 5);
}

TEST_CASE("a handle of call_soon is freed after it ran once the caller drops its copy", "[ch12][pooled-handle]") {
    asyncio::EventLoop loop;
    auto token = std::make_shared<int>(0);
    asyncio::Handle kept = loop.call_soon([token] { ++*token; });
    (void)loop.call_soon([token] { ++*token; });  // its Handle dropped at once
    CHECK(token.use_count() == 3);
    loop.run_once();
    CHECK(*token == 2);
    CHECK(token.use_count() == 2);  // the one whose Handle we still hold keeps its captures
    std::size_t const before = Pool::cached();
    kept = asyncio::Handle();
    CHECK(token.use_count() == 1);
    CHECK(Pool::cached() == before + 1);
}

TEST_CASE("a thread keeps at most max_cached nodes and frees the rest", "[ch12][pooled-handle]") {
    std::size_t const count = Pool::max_cached + 100;
    {
        std::vector<asyncio::Handle> handles;
        handles.reserve(count);
        for (std::size_t i = 0; i < count; ++i) handles.emplace_back([] {});
    }
    CHECK(Pool::cached() == Pool::max_cached);
}

TEST_CASE("timers take their nodes from a pool of their own", "[ch12][pooled-handle]") {
    asyncio::EventLoop loop;
    std::size_t const plain = Pool::cached();
    std::size_t const timers = TimerPool::cached();
    {
        asyncio::TimerHandle timer = loop.call_later(1h, [] {});
        asyncio::Handle as_plain = timer;
        CHECK(as_plain.describe().rfind("<TimerHandle when=", 0) == 0);
        as_plain.cancel();  // through the plain copy: the timer knows
        CHECK(timer.cancelled());
    }
    loop.close();  // the queue lets go of its copy
    CHECK(TimerPool::cached() == timers + 1);
    CHECK(Pool::cached() == plain);
}
