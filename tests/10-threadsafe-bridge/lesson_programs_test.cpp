// Chapter 10: the lesson programs. The database story runs at full time scale: a 1 s
// query against a 0.1 s heartbeat, so that "no heartbeat while the loop is blocked" is
// exact, and "heartbeats while a worker blocks" has nine chances to tick at least three
// times even on a loaded machine.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <cstdlib>
#include <string>

namespace {

int heartbeats(std::string const& out, std::string const& title) {
    auto const at = out.find(title);
    if (at == std::string::npos) return -1;
    auto const count = out.find("heartbeats while the query ran: ", at);
    if (count == std::string::npos) return -1;
    return std::atoi(out.c_str() + count + 32);
}

}  // namespace

TEST_CASE("the database program's query freezes the loop when called directly and not with to_thread", "[ch10][executor][threads]") {
    auto const result = testing::run_example("ch10_database", {}, {"ASYNCIO_TIME_SCALE=1"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(heartbeats(result.out, "called directly") == 0);
    CHECK(heartbeats(result.out, "with to_thread") >= 3);
    CHECK(result.out.find("42 rows for 'SELECT * FROM users'") != std::string::npos);
}

TEST_CASE("the W5 benchmark runs a small round and reports its figures", "[ch10][threadsafe-queue][threads]") {
    auto const result = testing::run_example("ch10_w5_bench", {"1000", "1"});
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(result.out.find("round trip p50") != std::string::npos);
    CHECK(result.out.find("run_coroutine_threadsafe") != std::string::npos);
    CHECK(result.out.find("jobs/s") != std::string::npos);
}
