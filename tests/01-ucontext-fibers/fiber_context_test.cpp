// Chapter 01, step fiber-context: a fiber's context starts its body on its own stack,
// with the Fiber's address passed through makecontext's int arguments intact.
#include <testing/catch.hpp>

#include <asyncio/fiber.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/stack_overflow.hpp>

#include <cstdint>
#include <memory>
#include <vector>

using asyncio::Fiber;

TEST_CASE("a new fiber does not run its body before the first resume", "[ch01][fiber-context]") {
    bool ran = false;
    Fiber fiber([&] { ran = true; });
    REQUIRE_FALSE(ran);
    REQUIRE_FALSE(fiber.done());
}

TEST_CASE("a fiber body runs with Fiber current pointing at its own fiber", "[ch01][fiber-context]") {
    // If the pointer were cut to 32 bits on its way through makecontext, entry() would
    // jump through a wrong address and crash, or see another object.
    Fiber* seen = nullptr;
    auto fiber = std::make_unique<Fiber>([&] { seen = Fiber::current(); });
    fiber->resume();
    REQUIRE(seen == fiber.get());
    REQUIRE(fiber->done());
}

TEST_CASE("a fiber body runs on a stack with a registered guard page below it", "[ch01][fiber-context]") {
    // Walk down from the body's frame, page by page, until a guard page is found; on the
    // thread's own stack there is none within the reach of a fiber stack.
    auto distance_to_guard_page = [](void const* frame) -> std::size_t {
        auto const page = asyncio::FiberStack::page_size();
        auto address = reinterpret_cast<std::uintptr_t>(frame);
        for (std::size_t walked = 0; walked <= Fiber::default_stack_size + page; walked += page)
            if (asyncio::is_in_guard_page(reinterpret_cast<void const*>(address - walked))) return walked;
        return 0;
    };
    std::size_t in_fiber = 0;
    Fiber fiber([&] { in_fiber = distance_to_guard_page(__builtin_frame_address(0)); });
    fiber.resume();
    REQUIRE(in_fiber > 0);
    REQUIRE(distance_to_guard_page(__builtin_frame_address(0)) == 0);
}

TEST_CASE("a hundred fibers each run their own body", "[ch01][fiber-context]") {
    std::vector<int> ran_by(100, -1);
    std::vector<std::unique_ptr<Fiber>> fibers;
    for (int i = 0; i < 100; ++i) fibers.push_back(std::make_unique<Fiber>([&ran_by, i] { ran_by[i] = i; }));
    for (auto& fiber : fibers) fiber->resume();
    for (int i = 0; i < 100; ++i) REQUIRE(ran_by[i] == i);
}

TEST_CASE("a fiber with a small stack size still runs its body", "[ch01][fiber-context]") {
    int result = 0;
    Fiber fiber([&] { result = 42; }, 16 * 1024);
    fiber.resume();
    REQUIRE(result == 42);
}

TEST_CASE("a fiber refuses an empty body", "[ch01]") {
    REQUIRE_THROWS_AS(Fiber(std::function<void()>{}), std::invalid_argument);
}
