// interleave.cpp: two coroutines take turns on the ManualScheduler, the way two
// asyncio tasks take turns on an event loop. Each `co_await yield_now()` puts the
// coroutine at the back of the queue and lets the other one run. Chapter 04.
//
// The same program in Python (asyncio.sleep(0) is Python's yield_now):
//
//     async def worker(name, steps):
//         for step in range(1, steps + 1):
//             print(f"{name}: step {step}")
//             await asyncio.sleep(0)
//         print(f"{name}: done")
//
//     async def main():
//         await asyncio.gather(worker("A", 3), worker("B", 2))
#include <asyncio/coro.hpp>
#include <asyncio/manual_scheduler.hpp>

#include <fmt/core.h>

#include <string>

// region: workers
// Awaited by worker(): when it yields, the whole chain (worker awaiting report) is
// suspended, and the queue holds report's handle, the innermost one. (A reference
// parameter is safe here only because worker awaits report at once, while `name`
// lives on in worker's frame.)
asyncio::Coro<void> report(std::string const& name, int step) {
    fmt::print("{}: step {}\n", name, step);
    co_await asyncio::yield_now();
}

asyncio::Coro<void> worker(std::string name, int steps) {
    for (int step = 1; step <= steps; ++step) co_await report(name, step);
    fmt::print("{}: done\n", name);
}
// endregion

// region: main
int main() {
    asyncio::ManualScheduler scheduler;
    scheduler.spawn(worker("A", 3));
    scheduler.spawn(worker("B", 2));
    fmt::print("spawned A and B; nothing has run yet\n");
    scheduler.run();  // A1 B1 A2 B2 A3, then B finishes first: it has no third step
    fmt::print("the queue is empty: run() returns\n");
}
// endregion
