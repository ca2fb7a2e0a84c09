// sqlite_database.cpp: the article's "database query" scenario with a real database.
// A genuinely slow SQLite query (a recursive CTE that counts through ROWS numbers: the
// same work for the same ROWS, on any machine) runs while a ticker coroutine ticks every
// 10 ms. Called on the loop's thread, the query stops the ticker for as long as it runs;
// handed to a worker with chapter 10's to_thread, the ticker goes on. The program
// prints what does not depend on the machine first, then what it measured.
// Usage: ch11_sqlite_database [ROWS [RUNS]]. Chapter 11.
// course-link: sqlite3
// course-bench: 3000000 3
#include <asyncio/coro.hpp>
#include <asyncio/executor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>
#include <sqlite3.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of the calling thread: what the query costs, however long it waited for a core.
double thread_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// region: query
// A blocking call, as every SQLite call is: sqlite3_step returns when the row is ready.
// Each call opens its own in-memory database, so a worker thread shares nothing with the
// loop's thread (a connection must not be used by two threads at once).
struct Answer {
    std::int64_t count = 0;
    std::int64_t checksum = 0;
    double cpu_ms = 0;  // CPU time of the thread that ran the query
};

char const* const kQuery =
    "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < ?1) "
    "SELECT count(*), sum(n % 1000) FROM numbers";

Answer run_query(std::int64_t rows) {
    double const cpu_start = thread_cpu_ms();
    sqlite3* raw = nullptr;
    int rc = sqlite3_open(":memory:", &raw);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    if (rc != SQLITE_OK) throw std::runtime_error(std::string("sqlite3_open: ") + sqlite3_errstr(rc));
    sqlite3_stmt* raw_statement = nullptr;
    if (sqlite3_prepare_v2(db.get(), kQuery, -1, &raw_statement, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("sqlite3_prepare_v2: ") + sqlite3_errmsg(db.get()));
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw_statement, &sqlite3_finalize);
    sqlite3_bind_int64(statement.get(), 1, rows);
    if (sqlite3_step(statement.get()) != SQLITE_ROW)  // the whole query runs in here
        throw std::runtime_error(std::string("sqlite3_step: ") + sqlite3_errmsg(db.get()));
    Answer answer{sqlite3_column_int64(statement.get(), 0), sqlite3_column_int64(statement.get(), 1), 0};
    answer.cpu_ms = thread_cpu_ms() - cpu_start;
    return answer;
}
// endregion

// The ticker: a tick every 10 ms, each one's time kept.
asyncio::Coro<void> ticker(std::vector<Clock::time_point>& ticks) {
    while (true) {
        co_await asyncio::sleep(asyncio::scaled(10ms));
        ticks.push_back(Clock::now());
    }
}

struct Run {
    Answer answer;
    double wall_ms = 0;      // how long the query took, seen from the loop
    double loop_cpu_ms = 0;  // CPU time of the loop's thread meanwhile
    int ticks = 0;           // ticks while the query ran
    double max_gap_ms = 0;   // the longest wait between two ticks around it
};

// region: versions
asyncio::Coro<Answer> on_the_loop(std::int64_t rows) {
    co_return run_query(rows);  // runs on the loop's thread: nothing else can
}

asyncio::Coro<Answer> with_to_thread(std::int64_t rows) {
    co_return co_await asyncio::to_thread(run_query, rows);
}
// endregion

asyncio::Coro<Run> measure(asyncio::Coro<Answer> (*version)(std::int64_t), std::int64_t rows) {
    std::vector<Clock::time_point> ticks;
    auto ticking = asyncio::create_task(ticker(ticks));
    // The ticker's first timer (10 ms) is due before ours (30 ms): it has ticked before
    // the query starts, and it ticks again before we look, so the gap around the query
    // is always between two real ticks.
    co_await asyncio::sleep(asyncio::scaled(30ms));
    Run run;
    double const cpu_start = thread_cpu_ms();
    auto const start = Clock::now();
    run.answer = co_await version(rows);
    auto const end = Clock::now();
    run.loop_cpu_ms = thread_cpu_ms() - cpu_start;
    run.wall_ms = ms(end - start);
    co_await asyncio::sleep(asyncio::scaled(30ms));
    ticking.cancel();
    run.ticks = static_cast<int>(std::count_if(ticks.begin(), ticks.end(), [&](auto t) { return t > start && t < end; }));
    for (std::size_t i = 1; i < ticks.size(); ++i) run.max_gap_ms = std::max(run.max_gap_ms, ms(ticks[i] - ticks[i - 1]));
    co_return run;
}

struct Summary {
    std::vector<Run> runs;
    Run const& best() const {
        return *std::min_element(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.wall_ms < b.wall_ms; });
    }
    Run const& slowest() const {
        return *std::max_element(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.wall_ms < b.wall_ms; });
    }
    int fewest_ticks() const {
        return std::min_element(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.ticks < b.ticks; })->ticks;
    }
    int most_ticks() const {
        return std::max_element(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.ticks < b.ticks; })->ticks;
    }
};

void print_measured(char const* title, Summary const& s) {
    Run const& best = s.best();
    fmt::print("measured: {:<9} query {:.1f} ms wall (best of {}; slowest {:.1f}), query CPU {:.1f} ms, "
               "loop thread CPU {:.1f} ms, ticks {}, max gap between ticks {:.1f} ms\n",
               title, best.wall_ms, s.runs.size(), s.slowest().wall_ms, best.answer.cpu_ms, best.loop_cpu_ms, best.ticks,
               best.max_gap_ms);
}

asyncio::Coro<void> amain(std::int64_t rows, int runs) {
    Summary blocking, threaded;
    for (int i = 0; i < runs; ++i) {  // interleaved, so that both see the same machine
        blocking.runs.push_back(co_await measure(on_the_loop, rows));
        threaded.runs.push_back(co_await measure(with_to_thread, rows));
    }
    Answer const& a = blocking.runs.front().answer;
    Answer const& b = threaded.runs.front().answer;
    fmt::print("SQLite {}: a recursive CTE over {} rows, {} run(s) of each\n", sqlite3_libversion(), rows, runs);
    fmt::print("on the loop: count={} checksum={}, ticks while the query ran: {}\n", a.count, a.checksum,
               blocking.most_ticks());
    fmt::print("to_thread:   count={} checksum={}, the loop ticked while the query ran: {}\n", b.count, b.checksum,
               threaded.fewest_ticks() > 0 ? "yes" : "no");
    print_measured("on-loop", blocking);
    print_measured("to_thread", threaded);
}

std::int64_t argument(char** argv, int argc, int at, std::int64_t fallback) {
    if (argc <= at) return fallback;
    char* end = nullptr;
    long long const value = std::strtoll(argv[at], &end, 10);
    if (*end != '\0' || value < 1) throw std::invalid_argument(std::string("not a positive number: ") + argv[at]);
    return value;
}

}  // namespace

int main(int argc, char** argv) try {
    std::int64_t const rows = argument(argv, argc, 1, 3'000'000);
    int const runs = static_cast<int>(argument(argv, argc, 2, 3));
    asyncio::run(amain(rows, runs));
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
