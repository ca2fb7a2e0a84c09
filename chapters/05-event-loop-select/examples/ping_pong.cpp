// ping_pong.cpp: two callbacks take turns by scheduling each other with call_soon, and a
// third one numbers the loop's iterations. Shows the ready queue's FIFO order and that
// what a callback schedules runs in the *next* iteration. Chapter 05.
#include <asyncio/event_loop.hpp>

#include <fmt/core.h>

#include <functional>

// region: main
// region: main-tick
int main() {
    asyncio::EventLoop loop;
    int iteration = 0;
    int rounds = 0;

    // Scheduled first, and rescheduling itself first, so it opens every iteration.
    std::function<void()> tick = [&] {
        ++iteration;
        loop.call_soon(tick);
    };
    // endregion
    // region: main-ping-pong
    std::function<void()> ping;
    std::function<void()> pong = [&] {
        fmt::print("[iteration {}] pong {}\n", iteration, rounds);
        if (rounds == 3) {
            fmt::print("pong: three rounds, stop()\n");
            loop.stop();  // the loop finishes this iteration, then run_forever returns
            return;
        }
        loop.call_soon(ping);
    };
    ping = [&] {
        ++rounds;
        fmt::print("[iteration {}] ping {}\n", iteration, rounds);
        loop.call_soon(pong);  // not now: in the next iteration, after tick
    };
    // endregion

    // region: main-run
    loop.call_soon(tick);
    loop.call_soon(ping);
    loop.run_forever();
    fmt::print("run_forever returned after {} iterations\n", iteration);
    loop.close();
    // endregion
}
// endregion
