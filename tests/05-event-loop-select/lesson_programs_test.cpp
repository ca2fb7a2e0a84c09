// Chapter 05: the lesson programs run and say what the lesson says they say.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <string>

TEST_CASE("the ping-pong lesson program alternates ping and pong one iteration apart", "[ch05][run-forever]") {
    auto const result = testing::run_example("ch05_ping_pong");
    INFO("stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out ==
          "[iteration 1] ping 1\n"
          "[iteration 2] pong 1\n"
          "[iteration 3] ping 2\n"
          "[iteration 4] pong 2\n"
          "[iteration 5] ping 3\n"
          "[iteration 6] pong 3\n"
          "pong: three rounds, stop()\n"
          "run_forever returned after 6 iterations\n");
}

TEST_CASE("the callback-error lesson program survives its failing callbacks", "[ch05][call-soon]") {
    auto const result = testing::run_example("ch05_callback_error");
    CHECK(result.exit_code == 0);
    CHECK(result.out ==
          "1: fine\n"
          "3: still running\n"
          "our handler: Exception in callback <Handle callback_error.cpp:24>\n"
          "5: errors so far: 1\n");
    CHECK(result.err.find("Exception in callback <Handle callback_error.cpp:15>") != std::string::npos);
    CHECK(result.err.find("std::runtime_error: 2: this callback fails") != std::string::npos);
}

TEST_CASE("the echo lesson program gets every byte back through partial writes", "[ch05][add-reader]") {
    auto const result = testing::run_example("ch05_echo", {"4000000"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("received 4000000 bytes back, intact") != std::string::npos);
}

TEST_CASE("the loop-cost lesson program measures both batch sizes", "[ch05][add-reader]") {
    auto const result = testing::run_example("ch05_loop_cost", {"20000"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("select() costs about") != std::string::npos);
}
