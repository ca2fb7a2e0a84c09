// Chapter 06: the lesson programs run and show what the lesson says they show.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

TEST_CASE("the edge-triggered lesson program shows the bug and its fix", "[ch06]") {
    auto const result = testing::run_example("ch06_edge_triggered");
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    // Level-triggered: ten wake-ups for ten reads. Edge-triggered: one, then stuck.
    CHECK(result.out.find("  wake-up 10: read 10 bytes (0 left)\n  no more wake-ups: the pipe is empty\n") !=
          std::string::npos);
    CHECK(result.out.find("  wake-up 1: read 10 bytes (90 left)\n  no wake-up, with 90 bytes waiting: stuck\n") !=
          std::string::npos);
    CHECK(result.out.find("read 100 bytes in 10 reads, then EAGAIN (0 left)") != std::string::npos);
    CHECK(result.out.find("no wake-up, with 90 bytes waiting: the fd is disarmed") != std::string::npos);
}

TEST_CASE("the epoll-pitfalls lesson program shows dup fork and reuse going wrong", "[ch06][epoll-selector]") {
    auto const result = testing::run_example("ch06_epoll_pitfalls");
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("so it cannot be removed any more, and epoll reports fd") != std::string::npos);
    CHECK(result.out.find("after the dup is closed too: epoll reports nothing") != std::string::npos);
    CHECK(result.out.find("removed the fd from *its* epoll: epoll reports nothing") != std::string::npos);
    CHECK(result.out.find("yet no reader ran") != std::string::npos);
    CHECK(result.out.find("the new reader runs") == std::string::npos);
}

TEST_CASE("the selector-scaling lesson program prints a table and writes an SVG plot", "[ch06][epoll-selector]") {
    std::string const svg = "ch06_selector_scaling_test.svg";
    std::remove(svg.c_str());
    auto const result = testing::run_example("ch06_selector_scaling", {"--max", "100", "--svg", svg});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("SelectSelector") != std::string::npos);
    CHECK(result.out.find("\n     100 ") != std::string::npos);
    std::ifstream file(svg);
    std::stringstream text;
    text << file.rdbuf();
    CHECK(text.str().rfind("<svg", 0) == 0);
    CHECK(text.str().find("EpollSelector") != std::string::npos);
    std::remove(svg.c_str());
}
