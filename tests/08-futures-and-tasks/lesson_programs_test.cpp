// Chapter 08: the lesson programs print what the lesson says. Their order is fixed by
// the deadlines of their sleeps, not by races.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <string>

TEST_CASE("the tasks lesson program prints the running example and its cancellation", "[ch08][task-cancel]") {
    auto const result = testing::run_example("ch08_tasks");
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out ==
          "Fetching https://example.com/1...\n"
          "Fetching https://example.com/2...\n"
          "Fetching https://example.com/slow...\n"
          "Done https://example.com/2\n"
          "Done https://example.com/1\n"
          "data from https://example.com/1\n"
          "data from https://example.com/2\n"
          "Cancelled https://example.com/slow: we waited long enough\n"
          "slow cancelled: yes\n");
    CHECK(result.err.empty());
}

TEST_CASE("the never-awaited lesson program warns once per forgotten coroutine", "[ch08]") {
    auto const result = testing::run_example("ch08_never_awaited");
    CHECK(result.exit_code == 0);
    CHECK(result.out == "made 3 coroutines, ran none of them\ntotal 60\n");
    std::string const warning = "RuntimeWarning: coroutine 'process_data' (never_awaited.cpp:";
    std::size_t count = 0;
    for (auto at = result.err.find(warning); at != std::string::npos; at = result.err.find(warning, at + 1)) ++count;
    CHECK(count == 3);
}

TEST_CASE("the W4 server prints its port and stops by itself after its lifetime", "[ch08]") {
    auto const result = testing::run_example("ch08_w4_server", {"1"});
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(std::stoi(result.out) > 0);
    CHECK(result.err.find("server CPU: ") != std::string::npos);
}
