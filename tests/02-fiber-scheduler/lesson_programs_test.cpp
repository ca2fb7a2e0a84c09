// Chapter 02: the lesson programs run and tell their story.
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <string>

namespace {

bool contains(std::string const& text, std::string const& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the running example on fibers fetches both urls before processing both results", "[ch02][sleep]") {
    // Time is what this program shows (3 s, not the 6 of one call after another), so the
    // test measures it, at a time scale where the two differ by 0.75 s of real time: many
    // times the delay a busy machine adds to the program's five wake-ups (40 ms seen on a
    // loaded 2-core machine). The lower bound holds on any machine: sleeps never end early.
    auto const result = testing::run_example("ch02_running_example", {}, {"ASYNCIO_TIME_SCALE=0.25"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.out.rfind("Fetching data from http://example.com\n"
                             "Fetching data from http://example.org\n"
                             "Processing data: Data from http://example.com\n"
                             "Processing data: Data from http://example.org\n"
                             "Processed data: Data from http://example.com\n"
                             "Processed data: Data from http://example.org\n",
                             0) == 0);
    // The program prints its time in unscaled seconds.
    auto const at = result.out.find("finished in ");
    REQUIRE(at != std::string::npos);
    double const seconds = std::stod(result.out.substr(at + 12));
    CHECK(seconds >= 2.95);
    CHECK(seconds < 6.0);
}

TEST_CASE("the producer consumer program hands every job to a worker and lets both go home", "[ch02][channel]") {
    // The program's order comes from the run queue and the channel only (its fibers yield,
    // they never sleep), so these lines are the same on every machine and every run.
    auto const result = testing::run_example("ch02_producer_consumer", {"12"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    REQUIRE(contains(result.out, "[...]  worker 2: queue empty, waits\n"
                                 "[#..]  producer: queued job 2\n"
                                 "[...]  worker 2: working on job 2\n"));
    REQUIRE(contains(result.out, "[###]  producer: queued job 7\n"));  // the queue fills up
    REQUIRE(contains(result.out, "[###]  producer: queue full, job 10 waits\n"
                                 "[##.]  worker 1: working on job 7\n"
                                 "[###]  producer: queued job 10\n"));  // back-pressure
    REQUIRE(contains(result.out, "[...]  worker 1: queue closed, going home\n"
                                 "[...]  worker 2: queue closed, going home\n"
                                 "12 of 12 jobs done\n"));
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
