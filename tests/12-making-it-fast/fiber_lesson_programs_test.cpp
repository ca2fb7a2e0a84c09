// Chapter 12: the fiber lesson program runs and prints every row the lesson quotes.
// (Its figures are for the lesson: a test never depends on the machine's speed.)
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <string>

TEST_CASE("the fiber switch cost program measures the fast fiber beside the bare switch and the record lookups",
          "[ch12][inline-switch]") {
    auto const result = testing::run_example("ch12_fiber_switch_cost", {"2000"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    for (char const* row : {"BasicFiber resume/yield, assembly", "the same through outlined resume/yield",
                            "BasicFiber resume/yield, ucontext", "abi::__cxa_get_globals()", "per-thread cache"})
        CHECK(result.out.find(row) != std::string::npos);
    // What AddressSanitizer says when it was not told about a switch (asyncio/sanitizer.hpp).
    CHECK(result.err.find("False positive error reports may follow") == std::string::npos);
}
