// Ping-pong: two fibers take turns, each going back to main after every line it prints.
// Chapter 01 lesson program. Each fiber keeps its loop counter across yields because it
// has a stack of its own; main decides who runs next, and nobody is interrupted.
#include <asyncio/fiber.hpp>

#include <fmt/core.h>

// region: player
// A fiber body that prints `word` three times, yielding back to its resumer after each.
auto player(char const* word) {
    return [word] {
        for (int round = 1; round <= 3; ++round) {
            fmt::print("{} {}\n", word, round);
            asyncio::Fiber::yield();
        }
    };
}
// endregion

int main() {
    // region: main
    asyncio::Fiber ping(player("ping"));
    asyncio::Fiber pong(player("pong"));
    // main is the scheduler here: it resumes each fiber in turn until both are done.
    while (!ping.done() || !pong.done()) {
        if (!ping.done()) ping.resume();
        if (!pong.done()) pong.resume();
    }
    fmt::print("both done\n");
    // endregion
}
