// Chapter 09: the running example on the course's runtime prints what the Python prints
// (chapter 00's python/article.py and article_fixed.py), and takes about 3 s, not 6.
// The order of the lines is fixed by the sleeps' deadlines and the gathers, not by races.
#include <testing/catch.hpp>

#include <testing/process.hpp>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The output without its "took ..." lines (their numbers depend on the machine).
std::string without_timing(std::string const& out) {
    std::istringstream lines(out);
    std::string line, kept;
    while (std::getline(lines, line))
        if (line.rfind("took ", 0) != 0) kept += line + "\n";
    return kept;
}

// The story's seconds of the n-th "took X s" line.
double took(std::string const& out, std::size_t n) {
    std::istringstream lines(out);
    std::string line;
    std::size_t seen = 0;
    while (std::getline(lines, line))
        if (line.rfind("took ", 0) == 0 && seen++ == n) return std::strtod(line.c_str() + 5, nullptr);
    return -1;
}

std::size_t count(std::string const& text, std::string const& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("the running example prints what the Python prints and the article's version warns instead of processing", "[ch09][gather]") {
    auto const result = testing::run_example("ch09_article");
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(without_timing(result.out) ==
          "== The article's main: process_data is called, never awaited ==\n"
          "Fetching data from http://example.com\n"
          "Fetching data from http://example.org\n"
          "main returned 2 coroutines that never ran\n"
          "\n"
          "== Set right: the processing awaited, with a second gather ==\n"
          "Fetching data from http://example.com\n"
          "Fetching data from http://example.org\n"
          "Processing data: Data from http://example.com\n"
          "Processing data: Data from http://example.org\n"
          "Processed data: Data from http://example.com\n"
          "Processed data: Data from http://example.org\n");
    CHECK(count(result.err, "RuntimeWarning: coroutine 'process_data' (article.cpp:") == 2);
    CHECK(count(result.err, "was never awaited") == 2);
    CHECK(count(result.out, "Processing data") == 2);  // only in the version set right
}

TEST_CASE("the running example takes about 3 s of its own time and the article's about 2 s", "[ch09][gather]") {
    // Scaled by 1/2: 2.5 s really. The lower bounds are exact (a sleep never ends
    // early); the upper ones give a loaded machine about a second of real slack, and
    // are still below what one-at-a-time would take (4 s and 6 s).
    auto const result = testing::run_example("ch09_article", {}, {"ASYNCIO_TIME_SCALE=0.5"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    double const article = took(result.out, 0);
    double const fixed = took(result.out, 1);
    CHECK(article >= 2.0);
    CHECK(article < 3.9);  // the two fetches at once; nothing processed
    CHECK(fixed >= 3.0);
    CHECK(fixed < 5.0);    // 2 s of fetching at once, then 1 s of processing at once; 6 s one by one
}

TEST_CASE("the demo tells the running example on the event loop and ends with its table", "[ch09][gather]") {
    auto const result = testing::run_example("ch09_demo");
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(count(result.out, "Fetching data from") == 4);
    CHECK(count(result.out, "Processing data:") == 2);
    CHECK(count(result.out, "Result: Processed data: Data from http://example.") == 2);
    CHECK(count(result.out, "coroutines on the event loop") == 1);
    CHECK(count(result.err, "was never awaited") == 2);
}

TEST_CASE("the gather benchmark runs a small gather and reports its figures", "[ch09][gather]") {
    auto const result = testing::run_example("ch09_gather_bench", {"1000", "1"});
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    CHECK(count(result.out, "W6: gather of 1000 tasks") == 1);
    CHECK(count(result.out, "B per task") == 1);
    CHECK(count(result.out, "total") == 1);
}

TEST_CASE("the callback allocation program shows a shared_ptr capture on the heap and two pointers inline", "[ch09]") {
    auto const result = testing::run_example("ch09_callback_alloc");
    REQUIRE(result.exit_code == 0);
    CHECK(count(result.out, "a lambda capturing a shared_ptr (16 B):  1 allocation") == 1);
    CHECK(count(result.out, "a lambda capturing two pointers (16 B): 0 allocations") == 1);
}
