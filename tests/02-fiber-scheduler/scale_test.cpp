// Chapter 02: ten thousand fibers with 64 KiB stacks each, taking turns a hundred times.
// Stacks are mmap'd and only touched pages become resident, so this needs a few tens of
// MiB, not 640 MiB; and finished fibers give their stacks back at once.
#include <testing/both_switches.hpp>

#include <asyncio/scheduler.hpp>

#include <chrono>
#include <vector>

SWITCH_TEST_WITH(ten_thousand_fibers, "ten thousand fibers with 64 KiB stacks yield a hundred times each",
                 "[run-queue]", "[slow]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    constexpr int fiber_count = 10'000;
    constexpr int rounds = 100;
    Scheduler scheduler;
    std::vector<int> turns(fiber_count, 0);
    int out_of_order = 0;
    int last = -1;
    for (int i = 0; i < fiber_count; ++i) {
        scheduler.spawn(
            [&, i] {
                for (int round = 0; round < rounds; ++round) {
                    // Round robin: fiber i runs right after fiber i - 1, every round.
                    if (last != (i + fiber_count - 1) % fiber_count && !(round == 0 && i == 0)) ++out_of_order;
                    last = i;
                    ++turns[static_cast<std::size_t>(i)];
                    Scheduler::yield();
                }
            },
            64 * 1024);
    }
    auto const start = std::chrono::steady_clock::now();
    scheduler.run();
    std::chrono::duration<double> const elapsed = std::chrono::steady_clock::now() - start;
    INFO(elapsed.count() << " s for " << fiber_count * rounds << " yields on " << Switch::name);
    REQUIRE(turns == std::vector<int>(fiber_count, rounds));
    REQUIRE(out_of_order == 0);
}
