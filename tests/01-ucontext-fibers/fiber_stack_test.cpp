// Chapter 01: fiber stacks from mmap with a guard page, and the SIGSEGV handler that turns
// a fault in a guard page into "fiber stack overflow". The overflows run in child
// processes (lesson program ch01_stack_overflow), since they end the process.
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <asyncio/stack.hpp>
#include <asyncio/stack_overflow.hpp>

#include <signal.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

using asyncio::FiberStack;

namespace {

std::byte const* bytes(void const* address) { return static_cast<std::byte const*>(address); }

bool overflow_reported(testing::ProcessResult const& result) {
    return result.err.find("fiber stack overflow") != std::string::npos;
}

// An overflow must end the process: by SIGSEGV normally; under a sanitizer whose own
// handler took over afterwards, with a non-zero exit code.
bool ended_badly(testing::ProcessResult const& result) { return result.signal != 0 || result.exit_code != 0; }

}  // namespace

TEST_CASE("a fiber stack is rounded up to whole pages with a guard page right below it", "[ch01]") {
    auto const page = FiberStack::page_size();
    FiberStack stack(10'000);
    REQUIRE(stack.size() % page == 0);
    REQUIRE(stack.size() >= 10'000);
    REQUIRE(stack.size() < 10'000 + page);
    REQUIRE(reinterpret_cast<std::uintptr_t>(stack.bottom()) % page == 0);
    REQUIRE(bytes(stack.guard_page()) + FiberStack::guard_size() == bytes(stack.bottom()));
    REQUIRE(asyncio::is_in_guard_page(stack.guard_page()));
    REQUIRE(asyncio::is_in_guard_page(bytes(stack.bottom()) - 1));
    REQUIRE_FALSE(asyncio::is_in_guard_page(stack.bottom()));
}

TEST_CASE("every byte of a fiber stack above its guard page is writable", "[ch01]") {
    FiberStack stack(64 * 1024);
    std::memset(stack.bottom(), 0xAB, stack.size());
    REQUIRE(bytes(stack.bottom())[stack.size() - 1] == std::byte{0xAB});
}

TEST_CASE("a freed fiber stack no longer counts as a guard page", "[ch01]") {
    void const* guard = nullptr;
    {
        FiberStack stack(16 * 1024);
        guard = stack.guard_page();
        REQUIRE(asyncio::is_in_guard_page(guard));
    }
    REQUIRE_FALSE(asyncio::is_in_guard_page(guard));
}

TEST_CASE("a thousand fiber stacks are registered and unregistered", "[ch01]") {
    // More than one chunk of the lock-free registry.
    std::vector<std::unique_ptr<FiberStack>> stacks;
    for (int i = 0; i < 1000; ++i) stacks.push_back(std::make_unique<FiberStack>(4096));
    for (auto const& stack : stacks) REQUIRE(asyncio::is_in_guard_page(stack->guard_page()));
    std::vector<void const*> guards;
    for (auto const& stack : stacks) guards.push_back(stack->guard_page());
    stacks.clear();
    for (void const* guard : guards) REQUIRE_FALSE(asyncio::is_in_guard_page(guard));
}

TEST_CASE("a fiber stack of zero bytes is refused", "[ch01]") {
    REQUIRE_THROWS_AS(FiberStack(0), std::invalid_argument);
}

TEST_CASE("a new fiber stack reinstalls the overflow handler after someone replaced it", "[ch01]") {
    // Catch2 does this around every test case; so may any library.
    FiberStack first(16 * 1024);
    REQUIRE(asyncio::stack_overflow_detection_active());

    struct sigaction replaced {};
    replaced.sa_handler = SIG_DFL;
    sigemptyset(&replaced.sa_mask);
    struct sigaction saved {};
    REQUIRE(sigaction(SIGSEGV, &replaced, &saved) == 0);
    REQUIRE_FALSE(asyncio::stack_overflow_detection_active());

    FiberStack second(16 * 1024);
    bool const active_again = asyncio::stack_overflow_detection_active();
    sigaction(SIGSEGV, &saved, nullptr);
    REQUIRE(active_again);
}

TEST_CASE("a deep recursion in a fiber ends with fiber stack overflow on stderr", "[ch01][fiber-switch]") {
    auto const result = testing::run_example("ch01_stack_overflow", {"recursion"});
    INFO("exit code " << result.exit_code << ", signal " << result.signal << "\nstderr: " << result.err);
    REQUIRE(overflow_reported(result));
    REQUIRE(ended_badly(result));
}

TEST_CASE("a single 20 KB frame in a fiber ends with fiber stack overflow on stderr", "[ch01][fiber-switch]") {
    // Needs -fstack-clash-protection: without it the frame can jump the one-page guard.
    auto const result = testing::run_example("ch01_stack_overflow", {"big-frame"});
    INFO("exit code " << result.exit_code << ", signal " << result.signal << "\nstderr: " << result.err);
    REQUIRE(overflow_reported(result));
    REQUIRE(ended_badly(result));
}

TEST_CASE("a fiber stack overflow on a second thread is reported too", "[ch01][fiber-switch]") {
    auto const result = testing::run_example("ch01_stack_overflow", {"thread"});
    INFO("exit code " << result.exit_code << ", signal " << result.signal << "\nstderr: " << result.err);
    REQUIRE(overflow_reported(result));
    REQUIRE(ended_badly(result));
}

TEST_CASE("a segfault outside every guard page is left to the previous handler", "[ch01]") {
    auto const result = testing::run_example("ch01_stack_overflow", {"null-pointer"});
    INFO("exit code " << result.exit_code << ", signal " << result.signal << "\nstderr: " << result.err);
    REQUIRE_FALSE(overflow_reported(result));
    REQUIRE(ended_badly(result));
    REQUIRE(result.err.find("no fault happened") == std::string::npos);
}
