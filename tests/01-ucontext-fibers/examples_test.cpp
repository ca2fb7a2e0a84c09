// Chapter 01: the lesson programs print what the lesson says they print.
#include <testing/catch.hpp>
#include <testing/process.hpp>

#include <string>

namespace {

testing::ProcessResult run_ok(std::string const& name, std::vector<std::string> const& args = {}) {
    auto result = testing::run_example(name, args);
    INFO(name << ": exit code " << result.exit_code << ", signal " << result.signal << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    // What AddressSanitizer says when it was not told about a switch (asyncio/sanitizer.hpp).
    REQUIRE(result.err.find("False positive error reports may follow") == std::string::npos);
    return result;
}

}  // namespace

TEST_CASE("the ping pong lesson program alternates ping and pong", "[ch01][fiber-switch]") {
    REQUIRE(run_ok("ch01_ping_pong").out ==
            "ping 1\npong 1\nping 2\npong 2\nping 3\npong 3\nboth done\n");
}

TEST_CASE("the generator lesson program prints fibonacci numbers and a tree in order", "[ch01][fiber-exceptions]") {
    // The fibonacci generator is destroyed while suspended: that is a forced unwind.
    REQUIRE(run_ok("ch01_generator").out ==
            "fibonacci: 0 1 1 2 3 5 8 13 21 34\n"
            "tree in order: 1 2 3 4 5 6 7\n");
}

TEST_CASE("the unwind lesson program shows destructors running on a destroyed fiber", "[ch01][fiber-exceptions]") {
    REQUIRE(run_ok("ch01_unwind").out ==
            "destroying the suspended fiber:\n"
            "  ~inner() ran\n"
            "  catch (...) sees the unwind, cleans up, and rethrows it\n"
            "  ~outer() ran\n"
            "the fiber is gone, and so is everything that lived on its stack\n");
}

TEST_CASE("the catch yield lesson program shows every stack rethrowing its own exception", "[ch01][fiber-exceptions]") {
    REQUIRE(run_ok("ch01_catch_yield").out ==
            "a caught a's error, and yields inside its catch block\n"
            "b caught b's error, and yields inside its catch block\n"
            "main rethrew main's error\n"
            "a resumed, rethrows\n"
            "main caught a's error from resume()\n"
            "b resumed, rethrows\n"
            "main caught b's error from resume()\n");
}

TEST_CASE("the switch cost lesson program reports nanoseconds per switch", "[ch01][fiber-switch]") {
    auto const out = run_ok("ch01_switch_cost", {"2000"}).out;
    REQUIRE(out.find("swapcontext, raw") != std::string::npos);
    REQUIRE(out.find("Fiber resume/yield") != std::string::npos);
    REQUIRE(out.find("ns per switch") != std::string::npos);
}

TEST_CASE("the fiber memory lesson program reports the resident memory per suspended fiber", "[ch01][fiber-switch]") {
    auto const out = run_ok("ch01_fiber_memory", {"100"}).out;
    REQUIRE(out.find("sizeof(asyncio::Fiber)") != std::string::npos);
    REQUIRE(out.find("100 fibers with 64 KiB stacks, each suspended in yield():") != std::string::npos);
    REQUIRE(out.find("KiB per fiber") != std::string::npos);
}

// Given code, not a step: the program uses raw ucontext, so it passes on the starter too.
TEST_CASE("the signal mask lesson program shows a switch unblocking a signal blocked after getcontext", "[ch01]") {
    REQUIRE(run_ok("ch01_signal_mask").out ==
            "the mask on both sides of a switch:\n"
            "  context prepared:              SIGUSR1 unblocked\n"
            "  main blocks it:                SIGUSR1 blocked\n"
            "  in the fiber:                  SIGUSR1 unblocked\n"
            "  back in main:                  SIGUSR1 blocked\n"
            "blocked after getcontext, raised, then a switch into the fiber:\n"
            "  SIGUSR1 pending:               yes\n"
            "  the child was killed by SIGUSR1\n"
            "blocked before getcontext, raised, then a switch into the fiber:\n"
            "  in the fiber:                  SIGUSR1 blocked\n"
            "  back in main, sigwait took:    SIGUSR1\n"
            "  the child exited with status 0\n");
}
