// Chapter 04's lesson programs, run as child processes: what they print is the story
// the lesson tells, so it is checked line by line. (The file name sorts last, so that
// `./course check 04` names a step's own tests before these when a step fails.)
#include <testing/catch.hpp>
#include <testing/process.hpp>
#include <testing/tail_call_probe.hpp>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

std::vector<std::string> output_lines(std::string const& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool contains(std::string const& text, std::string const& part) {
    return text.find(part) != std::string::npos;
}

testing::ProcessResult run_lesson_program(std::string const& name, std::vector<std::string> args = {}) {
    testing::ProcessResult result = testing::run_example(name, std::move(args));
    INFO(name << " printed:\n" << result.out << "\nand on stderr:\n" << result.err);
    REQUIRE_FALSE(result.timed_out);
    REQUIRE(result.signal == 0);
    REQUIRE(result.exit_code == 0);
    return result;
}

// The line of stack_depth's report about one version, e.g. "symmetric transfer".
std::string report_line(std::vector<std::string> const& lines, std::string const& version) {
    for (std::string const& line : lines)
        if (contains(line, version)) return line;
    FAIL("no line about " << version);
    return {};
}

}  // namespace

TEST_CASE("the lazy lesson program shows that a coroutine never awaited never runs", "[ch04][sync-wait]") {
    testing::ProcessResult const result = run_lesson_program("ch04_lazy");
    std::vector<std::string> const expected{
        "1. call fetch_data(): we get a Coro; its body has not run",
        "2. co_await it: now the body runs, and we get its value",
        "   fetch_data body runs: Fetching data from http://example.com",
        "   got \"Data from http://example.com\"",
        "   (the frame of fetch_data is freed)",
        "3. call process_data() and never await it (the running example's mistake)",
    };
    std::vector<std::string> const lines = output_lines(result.out);
    INFO(result.out);
    REQUIRE(lines.size() >= expected.size() + 3);
    CHECK(std::vector<std::string>(lines.begin(), lines.begin() + static_cast<long>(expected.size())) == expected);
    // The frame counts depend on the compiler (clang may elide an allocation), the story does not.
    CHECK(contains(lines[expected.size()], "live coroutine frames:"));
    CHECK(lines[expected.size() + 1] == "   (the frame of process_data is freed)");
    CHECK(contains(lines[expected.size() + 2], "4. nothing was processed"));
    CHECK_FALSE(contains(result.out, "process_data body runs"));
}

TEST_CASE("the interleave lesson program alternates two coroutines like asyncio tasks", "[ch04][yield-now]") {
    testing::ProcessResult const result = run_lesson_program("ch04_interleave");
    CHECK(output_lines(result.out) == std::vector<std::string>{
                                          "spawned A and B; nothing has run yet",
                                          "A: step 1",
                                          "B: step 1",
                                          "A: step 2",
                                          "B: step 2",
                                          "A: step 3",
                                          "B: done",
                                          "A: done",
                                          "the queue is empty: run() returns",
                                      });
}

TEST_CASE("the awaiter protocol lesson program takes every path of await_suspend", "[ch04][scheduler-run]") {
    testing::ProcessResult const result = run_lesson_program("ch04_awaiter_protocol");
    INFO(result.out);
    CHECK(contains(result.out, "[receive] await_suspend -> false"));
    CHECK(contains(result.out, "[receive] await_suspend -> true"));
    CHECK(contains(result.out, "[send] await_suspend -> the receiver's handle"));
    CHECK(contains(result.out, "[send] await_suspend -> the sender's own handle"));
    CHECK(contains(result.out, "[pause] await_suspend -> void"));
    CHECK(contains(result.out, "consumer: got \"done\""));
}

TEST_CASE("the stack depth lesson program overflows the stack only when await_suspend calls resume",
          "[ch04][coro-symmetric-transfer]") {
    testing::ProcessResult const result = run_lesson_program("ch04_stack_depth", {"1000000"});
    std::vector<std::string> const lines = output_lines(result.out);
    INFO(result.out);
    // Each awaited coroutine that finishes at once leaves frames behind: 8 MiB run out.
    std::string const naive = report_line(lines, "void await_suspend + resume():");
    CHECK((contains(naive, "crashed") || contains(naive, "failed")));
    CHECK(contains(report_line(lines, "bool await_suspend:"), "finished 1000000 awaits"));
    // The program is built with the same flags as this test: where the compiler does
    // not make symmetric transfer a tail call (GCC without -O2, or with ASan), the
    // third version overflows too, which is the lesson's point about compilers.
    if (testing::symmetric_transfer_is_a_tail_call())
        CHECK(contains(report_line(lines, "symmetric transfer (a handle):"), "finished 1000000 awaits"));
    else
        WARN("this build does not make symmetric transfer a tail call: not checking that line");
}

TEST_CASE("the await cost lesson program measures a co_await", "[ch04][yield-now]") {
    testing::ProcessResult const result = run_lesson_program("ch04_await_cost", {"1000"});
    INFO(result.out);
    CHECK(contains(result.out, "co_await of a Coro that returns at once"));
    CHECK(contains(result.out, "yield_now, one trip through the queue"));
}
