// Chapter 03's lesson programs, run as child processes: the promise hooks in the
// order the compiler calls them, the measurements running to the end, and the two
// pitfalls: their fixes work, and under AddressSanitizer their bugs are caught.
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define CH03_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CH03_ASAN 1
#endif
#endif

namespace {

// The first line of `text` that does not appear, in this order, in `output`; empty
// when all do.
std::string first_missing_in_order(std::string const& output, std::vector<std::string> const& lines) {
    std::size_t position = 0;
    for (auto const& line : lines) {
        std::size_t const found = output.find(line, position);
        if (found == std::string::npos) return line;
        position = found + line.size();
    }
    return {};
}

void require_clean_exit(testing::ProcessResult const& result) {
    INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
    REQUIRE_FALSE(result.timed_out);
    REQUIRE(result.signal == 0);
    REQUIRE(result.exit_code == 0);
}

// For a child run by hand, outside CTest: stack-use-after-return is off by default.
// (When ASAN_OPTIONS is already set, as under CTest, the inherited one wins.)
[[maybe_unused]] std::string const asan_options = "ASAN_OPTIONS=detect_stack_use_after_return=1";

// A program with a lifetime bug, built with AddressSanitizer, must be stopped by it.
[[maybe_unused]] void require_caught_by_asan(testing::ProcessResult const& result, std::string const& kind) {
    INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
    REQUIRE((result.signal != 0 || result.exit_code != 0));
    REQUIRE(result.err.find("ERROR: AddressSanitizer") != std::string::npos);
    REQUIRE(result.err.find(kind) != std::string::npos);
}

}  // namespace

TEST_CASE("the hooks program shows each promise hook in the order the compiler calls it", "[ch03]") {
    auto const result = testing::run_example("ch03_hooks");
    require_clean_exit(result);
    auto const missing = first_missing_in_order(result.out, {
        "main: calling count_down(2)",
        "operator new(",
        "promise constructed",
        "get_return_object()",
        "initial_suspend()",
        "initial: await_ready() -> false",
        "initial: await_suspend(handle)",
        "main: count_down(2) returned; its body has not run yet",
        "main: resume()",
        "initial: await_resume()",
        "body: starts, from = 2",
        "yield_value(2)",
        "main: the body yielded 2",
        "yield_value(1)",
        "main: the body yielded 1",
        "body: falls off the end",
        "return_void()",
        "final_suspend()",
        "main: done() is true; destroy()",
        "promise destroyed",
        "operator delete",
        "main: end",
    });
    INFO("output:\n" << result.out);
    INFO("missing or out of order: " << missing);
    REQUIRE(missing.empty());
    REQUIRE(result.out.find("unhandled_exception") == std::string::npos);
}

TEST_CASE("the hooks program shows unhandled_exception when the body throws", "[ch03]") {
    auto const result = testing::run_example("ch03_hooks", {"--throw"});
    require_clean_exit(result);
    auto const missing = first_missing_in_order(result.out, {
        "yield_value(1)",
        "unhandled_exception()",
        "final_suspend()",
        "main: the body threw: the body failed",
        "promise destroyed",
        "operator delete",
    });
    INFO("output:\n" << result.out);
    INFO("missing or out of order: " << missing);
    REQUIRE(missing.empty());
    REQUIRE(result.out.find("return_void") == std::string::npos);
}

TEST_CASE("the fibonacci program prints the start of the sequence", "[ch03]") {
    auto const result = testing::run_example("ch03_fibonacci", {"10"});
    require_clean_exit(result);
    REQUIRE(result.out == "0 1 1 2 3 5 8 13 21 34 \n");
}

TEST_CASE("the frame size program frees every frame it allocates", "[ch03]") {
    auto const result = testing::run_example("ch03_frame_size", {"1000"});
    require_clean_exit(result);
    REQUIRE(result.out.find("big_local_across_yield(char)") != std::string::npos);
    // The layout g++ and clang share: resume and destroy pointers, then the promise.
    REQUIRE(result.out.find("promise at offset 16") != std::string::npos);
    REQUIRE(result.out.find("after the final suspension: word 0 null") != std::string::npos);
    REQUIRE(result.out.find("frames still allocated at the end: 0") != std::string::npos);
}

TEST_CASE("the stackful versus stackless program measures both kinds of producer", "[ch03]") {
    auto const result = testing::run_example("ch03_stackful_vs_stackless", {"2000", "5"});
    require_clean_exit(result);
    REQUIRE(result.out.find("Generator<long> (stackless)") != std::string::npos);
    REQUIRE(result.out.find("Fiber (stackful, ucontext)") != std::string::npos);
    REQUIRE(result.out.find("B resident") != std::string::npos);
}

TEST_CASE("a generator that takes its text by value reads all of it", "[ch03]") {
    auto const result = testing::run_example("ch03_dangling_reference");
    require_clean_exit(result);
    REQUIRE(result.out == "coroutines outlive the full-expression that created them\n");
}

TEST_CASE("a lambda generator that gets its state as parameters counts down", "[ch03]") {
    auto const result = testing::run_example("ch03_lambda_capture");
    require_clean_exit(result);
    REQUIRE(result.out == "counted down: 3 2 1\n");
}

TEST_CASE("AddressSanitizer catches a generator reading a dead temporary through a reference parameter",
          "[ch03]") {
#ifndef CH03_ASAN
    COURSE_SKIP("needs the asan build: ./course check 03 --asan");
#else
    auto const result = testing::run_example("ch03_dangling_reference", {"--bug"}, {asan_options});
    require_caught_by_asan(result, "use-after-");
#endif
}

TEST_CASE("AddressSanitizer catches a lambda generator using a capture by reference after its scope",
          "[ch03]") {
#ifndef CH03_ASAN
    COURSE_SKIP("needs the asan build: ./course check 03 --asan");
#else
    auto const result = testing::run_example("ch03_lambda_capture", {"--bug-reference"}, {asan_options});
    require_caught_by_asan(result, "stack-use-after-");
#endif
}

TEST_CASE("AddressSanitizer catches a lambda generator whose temporary closure died", "[ch03]") {
#ifndef CH03_ASAN
    COURSE_SKIP("needs the asan build: ./course check 03 --asan");
#else
    auto const result = testing::run_example("ch03_lambda_capture", {"--bug-temporary"}, {asan_options});
    require_caught_by_asan(result, "stack-use-after-");
#endif
}
