// Chapter 07: the lesson programs run and say what the lesson says they say. Their
// order is fixed by construction (deadlines, not races); times are checked only from
// below, since a loaded machine may make anything later but nothing earlier.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <string>

TEST_CASE("the timers lesson program prints its timers in deadline order and none early", "[ch07][run-timers]") {
    auto const result = testing::run_example("ch07_timers");
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out ==
          "   0 ms  call_soon runs first: it is ready now\n"
          " 100 ms  A\n"
          " 200 ms  B, the first of two timers due at 200 ms\n"
          " 200 ms  B, the second: same deadline, scheduled later, runs later\n"
          " 300 ms  C\n"
          "no timer ran before its deadline: yes\n");
}

TEST_CASE("the sleepy-fetch lesson program runs both downloads at once", "[ch07][sleep]") {
    auto const result = testing::run_example("ch07_sleepy_fetch");
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    std::string const story =
        "Fetching https://example.com/1...\n"
        "Fetching https://example.com/2...\n"
        "(2 s have passed)\n"
        "Done https://example.com/1\n"
        "Done https://example.com/2\n"
        "data from https://example.com/1\n"
        "data from https://example.com/2\n"
        "both done after ";
    REQUIRE(result.out.substr(0, story.size()) == story);
    double const seconds = std::stod(result.out.substr(story.size()));
    CHECK(seconds >= 2.0);
}

TEST_CASE("the timer-cost lesson program fires exactly the timers it did not cancel", "[ch07][run-timers]") {
    auto const result = testing::run_example("ch07_timer_cost", {"2000", "1"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("course ") != std::string::npos);
}

TEST_CASE("the timer-scaling lesson program measures the heap and the list", "[ch07][timer-heap]") {
    auto const result = testing::run_example("ch07_timer_scaling", {"10000"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("     10000 ") != std::string::npos);
}
