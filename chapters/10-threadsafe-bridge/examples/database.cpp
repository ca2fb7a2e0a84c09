// database.cpp: the article's "database query" scenario. A query that blocks its thread
// for 1 s runs beside a heartbeat coroutine that ticks every 0.1 s. Called directly from
// a coroutine, the query freezes the loop: no tick while it runs. Handed to a worker
// with to_thread, the loop goes on ticking while the query blocks the worker.
// Usage: ch10_database. Chapter 10.
// course-bench:
#include <asyncio/coro.hpp>
#include <asyncio/executor.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <exception>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

// region: query
// A blocking call, as a database driver without an async API makes one.
std::string query(std::string sql) {
    std::this_thread::sleep_for(asyncio::scaled(1s));
    return "42 rows for '" + sql + "'";
}
// endregion

int g_ticks = 0;

asyncio::Coro<void> heartbeat() {
    while (true) {
        co_await asyncio::sleep(asyncio::scaled(100ms));
        ++g_ticks;
    }
}

// region: versions
asyncio::Coro<std::string> blocking_version() {
    co_return query("SELECT * FROM users");  // runs on the loop's thread: nothing else can
}

asyncio::Coro<std::string> threaded_version() {
    co_return co_await asyncio::to_thread(query, std::string("SELECT * FROM users"));
}
// endregion

asyncio::Coro<void> run(char const* title, asyncio::Coro<std::string> (*version)()) {
    auto beating = asyncio::create_task(heartbeat());
    co_await asyncio::sleep(0s);  // let the heartbeat start
    int const before = g_ticks;
    std::string const rows = co_await version();
    int const during = g_ticks - before;
    beating.cancel();
    fmt::print("{}: {}; heartbeats while the query ran: {}\n", title, rows, during);
}

asyncio::Coro<void> amain() {
    co_await run("called directly ", blocking_version);
    co_await run("with to_thread  ", threaded_version);
}

}  // namespace

int main() try {
    asyncio::run(amain());
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
