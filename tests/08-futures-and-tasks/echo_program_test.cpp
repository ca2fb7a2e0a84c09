// Chapter 08: the echo lesson program runs its server and clients to the end and says
// what the lesson says it says.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <string>

TEST_CASE("the echo lesson program gets every message back intact from its server", "[ch08][sock-recv]") {
    auto const result = testing::run_example("ch08_echo");
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out == "3 clients echoed 3 x 5 messages intact\n");
}

TEST_CASE("the echo lesson program serves fifty clients at once", "[ch08][sock-recv]") {
    auto const result = testing::run_example("ch08_echo", {"50", "20"});
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out == "50 clients echoed 50 x 20 messages intact\n");
}

TEST_CASE("the echo benchmark measures both servers and finishes", "[ch08][sock-recv]") {
    auto const result = testing::run_example("ch08_echo_bench");  // 20 ms a server at the tests' time scale
    INFO("stdout: " << result.out << "stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out.find("\ncoroutine server  64 connections: ") != std::string::npos);
    CHECK(result.out.find("\ncallback server   64 connections: ") != std::string::npos);
}
