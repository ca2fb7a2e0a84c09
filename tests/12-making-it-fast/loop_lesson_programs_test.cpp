// Chapter 12: the loop's lesson programs run and print what the lesson quotes; the
// counted columns (selector calls, the worst wait in iterations) are exact, the timed
// ones only present.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace {

// The words of a line, parentheses dropped ("(1588.2)" and "( 20.3)" alike).
std::vector<std::string> words(std::string line) {
    for (char& c : line)
        if (c == '(' || c == ')') c = ' ';
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string word; in >> word;) out.push_back(word);
    return out;
}

}  // namespace

TEST_CASE("the W2 lesson program runs both workloads and checks their counts", "[ch12][pooled-handle]") {
    auto const result = testing::run_example("ch12_loop_w2", {"20000", "2"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("20000 callbacks per run, thread CPU time, 2 runs") != std::string::npos);
    CHECK(result.out.find("\n  flat ") != std::string::npos);
    CHECK(result.out.find("\n chain ") != std::string::npos);
    CHECK(result.out.find("flat: peak memory growth") != std::string::npos);
}

TEST_CASE("the io-interval lesson program counts polls and a ready fd's worst wait for each interval",
          "[ch12][io-interval]") {
    auto const result = testing::run_example("ch12_loop_interval", {"2000", "1"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    std::istringstream in(result.out);
    int rows = 0;
    for (std::string line; std::getline(in, line);) {
        auto const w = words(line);
        // "   61    20.1 (  20.3)   48   61 iterations"
        if (w.size() != 6 || w.back() != "iterations") continue;
        ++rows;
        INFO(line);
        CHECK(w[4] == w[0]);  // the worst wait is the interval, in iterations
        if (w[0] == "1") CHECK(w[3] == "2000");  // a poll per callback
        if (w[0] == "61") CHECK(w[3] == "48");   // 16 eager, then one per 61: (2000 - 16) / 61 = 32
    }
    CHECK(rows == 7);
}
