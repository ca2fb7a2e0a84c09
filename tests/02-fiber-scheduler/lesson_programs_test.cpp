// Chapter 02: the lesson programs run and tell their story (sleeps scaled down 100x).
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <string>

namespace {

bool contains(std::string const& text, std::string const& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the running example on fibers fetches both urls before processing both results", "[ch02][sleep]") {
    auto const result = testing::run_example("ch02_running_example");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.out.rfind("Fetching data from http://example.com\n"
                             "Fetching data from http://example.org\n"
                             "Processing data: Data from http://example.com\n"
                             "Processing data: Data from http://example.org\n"
                             "Processed data: Data from http://example.com\n"
                             "Processed data: Data from http://example.org\n",
                             0) == 0);
    // The program prints its time in unscaled seconds: about 3, and never the 6 that one
    // call after another would take (a generous bound: the machine may be busy).
    auto const at = result.out.find("finished in ");
    REQUIRE(at != std::string::npos);
    double const seconds = std::stod(result.out.substr(at + 12));
    CHECK(seconds >= 2.95);
    CHECK(seconds < 5.5);
}

TEST_CASE("the producer consumer program hands every job to a worker and lets both go home", "[ch02][channel]") {
    auto const result = testing::run_example("ch02_producer_consumer", {"12"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(contains(result.out, "12 of 12 jobs done"));
    REQUIRE(contains(result.out, "[###]"));  // the queue was full at some point
    REQUIRE(contains(result.out, "worker 1: queue closed, going home"));
    REQUIRE(contains(result.out, "worker 2: queue closed, going home"));
}

TEST_CASE("the many fibers program reports time and resident memory for both switches", "[ch02][asm-switch][bonus]") {
    auto const result = testing::run_example("ch02_many_fibers", {"500", "10"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(contains(result.out, "500 fibers on the ucontext switch"));
    bool const second_back_end = contains(result.out, "500 fibers on the assembly switch") ||
                                 contains(result.out, "500 fibers on the ucontext (no");  // other CPUs
    REQUIRE(second_back_end);
    REQUIRE(contains(result.out, "resident (VmRSS)"));
}

TEST_CASE("the switch cost program measures both switches", "[ch02][asm-switch][bonus]") {
    auto const result = testing::run_example("ch02_switch_cost", {"2000"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(contains(result.out, "BasicFiber resume/yield"));
    REQUIRE(contains(result.out, "Scheduler::yield"));
}
