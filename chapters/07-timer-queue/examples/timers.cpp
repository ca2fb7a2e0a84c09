// timers.cpp: call_at and call_later on the loop. Timers run in deadline order, two with
// the same deadline in the order they were scheduled, a cancelled one never, and none
// before its time. Chapter 07.
#include <asyncio/event_loop.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

// region: main
int main() {
    asyncio::EventLoop loop;
    asyncio::TimePoint const start = loop.time();
    bool early = false;

    // Schedules `what` to be printed `offset` after the start. It prints the time it was
    // scheduled for, not the time it ran (that depends on the machine), and notes whether
    // it ran too soon. (asyncio::scaled: the tests run this 100 times faster.)
    auto print_at = [&](std::chrono::milliseconds offset, std::string what) {
        asyncio::TimePoint const when = start + asyncio::scaled(offset);
        return loop.call_at(when, [&loop, &early, when, offset, what] {
            if (loop.time() < when) early = true;
            fmt::print("{:>4} ms  {}\n", offset.count(), what);
        });
    };

    print_at(300ms, "C");
    print_at(100ms, "A");
    print_at(200ms, "B, the first of two timers due at 200 ms");
    print_at(200ms, "B, the second: same deadline, scheduled later, runs later");
    asyncio::TimerHandle never = print_at(150ms, "cancelled: never printed");
    never.cancel();
    loop.call_soon([] { fmt::print("   0 ms  call_soon runs first: it is ready now\n"); });
    loop.call_later(asyncio::scaled(300ms), [&] { loop.stop(); });  // after C, which came first

    loop.run_forever();
    fmt::print("no timer ran before its deadline: {}\n", early ? "NO" : "yes");
    loop.close();
}
// endregion
