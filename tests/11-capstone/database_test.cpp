// Chapter 11: the SQLite lesson program. What it asserts holds by construction, whatever
// the machine's speed or load: a query on the loop's thread lets no tick in, so the gap
// around it is at least as long as the query, and the loop's thread spends at least the
// query's CPU time; with to_thread the loop's thread only ticks, so it spends far less
// CPU than the query. "The loop ticked at least once" during a query of a million rows
// (about 0.1 s of CPU, about ten ticks' worth) is the one assertion that needs the
// scheduler to give the loop's thread a slice meanwhile, as it does even with both
// cores busy.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

using namespace std::chrono_literals;

namespace {

// The number after `label` in the line that starts with `line_start`, or -1.
double number_after(std::string const& out, std::string const& line_start, std::string const& label) {
    auto const line = out.find(line_start);
    if (line == std::string::npos) return -1;
    auto const end = out.find('\n', line);
    auto const at = out.find(label, line);
    if (at == std::string::npos || at > end) return -1;
    return std::atof(out.c_str() + at + label.size());
}

}  // namespace

TEST_CASE("the SQLite program's query stops the ticker on the loop and not with to_thread", "[ch11][threads]") {
    if (access((testing::bin_dir() + "/ch11_sqlite_database").c_str(), X_OK) != 0)
        COURSE_SKIP("ch11_sqlite_database was not built: CMake found no SQLite (apt-get install libsqlite3-dev, "
                    "or ./course setup, then configure again)");
    auto const result = testing::run_example("ch11_sqlite_database", {"1000000", "1"}, {"ASYNCIO_TIME_SCALE=1"}, 120s);
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    // What does not depend on the machine: the answer (n % 1000 summed over 1..1,000,000
    // is 1,000 times 0 + 1 + ... + 999), no tick while the loop was blocked, some with a worker.
    CHECK(result.out.find("on the loop: count=1000000 checksum=499500000, ticks while the query ran: 0\n") !=
          std::string::npos);
    CHECK(result.out.find("to_thread:   count=1000000 checksum=499500000, the loop ticked while the query ran: yes\n") !=
          std::string::npos);
    // The measured lines are there, with the relations that hold by construction.
    double const blocked_wall = number_after(result.out, "measured: on-loop", "query ");
    double const blocked_gap = number_after(result.out, "measured: on-loop", "max gap between ticks ");
    double const blocked_query_cpu = number_after(result.out, "measured: on-loop", "query CPU ");
    double const blocked_loop_cpu = number_after(result.out, "measured: on-loop", "loop thread CPU ");
    double const threaded_query_cpu = number_after(result.out, "measured: to_thread", "query CPU ");
    double const threaded_loop_cpu = number_after(result.out, "measured: to_thread", "loop thread CPU ");
    REQUIRE(blocked_wall > 0);
    REQUIRE(threaded_query_cpu > 0);
    CHECK(blocked_gap >= blocked_wall);                    // no tick could come in between
    CHECK(blocked_loop_cpu >= blocked_query_cpu * 0.99);   // the loop's thread ran the query (rounding aside)
    CHECK(threaded_loop_cpu < threaded_query_cpu / 2);     // the worker ran it
}

TEST_CASE("the SQLite program rejects a row count that is not a positive number", "[ch11]") {
    if (access((testing::bin_dir() + "/ch11_sqlite_database").c_str(), X_OK) != 0)
        COURSE_SKIP("ch11_sqlite_database was not built: CMake found no SQLite (apt-get install libsqlite3-dev)");
    auto const result = testing::run_example("ch11_sqlite_database", {"many"});
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("not a positive number: many") != std::string::npos);
}
