// Ten thousand fibers with 64 KiB stacks each, taking turns a hundred times: how long it
// takes, and how much memory is really used. Stacks are mmap'd: the kernel gives a page
// of RAM only when it is first touched, so 640 MiB of stacks cost a few tens of MiB.
// Chapter 02 lesson program.
//
//   ch02_many_fibers [FIBERS [ROUNDS [STACK_KIB]]]    default 10000 100 64
// course-bench:
#include <asyncio/scheduler.hpp>

#include <fmt/core.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

// region: resident
// A line of /proc/self/status in KiB: VmRSS is the memory resident right now, VmHWM the
// highest it has been.
long status_kib(std::string const& field) {
    std::ifstream status("/proc/self/status");
    std::string name;
    long value = 0;
    while (status >> name) {
        if (name == field + ":") {
            status >> value;
            return value;
        }
        status.ignore(1 << 12, '\n');
    }
    return -1;
}
// endregion

double cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

template <class Switch>
void measure(int fiber_count, int rounds, std::size_t stack_size) {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    using Clock = std::chrono::steady_clock;
    long const rss_before = status_kib("VmRSS");
    long rss_all_started = 0;

    // region: spawn
    Scheduler scheduler;
    auto const spawn_start = Clock::now();
    double const spawn_cpu = cpu_seconds();
    for (int i = 0; i < fiber_count; ++i) {
        scheduler.spawn(
            [&, i] {
                for (int round = 0; round < rounds; ++round) {
                    // The last fiber's first turn: every fiber has touched its stack once.
                    if (i == fiber_count - 1 && round == 0) rss_all_started = status_kib("VmRSS");
                    Scheduler::yield();
                }
            },
            stack_size);
    }
    double const spawn_seconds = std::chrono::duration<double>(Clock::now() - spawn_start).count();
    double const spawn_cpu_seconds = cpu_seconds() - spawn_cpu;
    long const rss_spawned = status_kib("VmRSS");

    auto const run_start = Clock::now();
    double const run_cpu = cpu_seconds();
    scheduler.run();
    double const run_seconds = std::chrono::duration<double>(Clock::now() - run_start).count();
    double const run_cpu_seconds = cpu_seconds() - run_cpu;
    // endregion

    double const yields = static_cast<double>(fiber_count) * rounds;
    double const reserved_mib = static_cast<double>(fiber_count) *
                                static_cast<double>(stack_size + asyncio::FiberStack::guard_size()) / (1 << 20);
    fmt::print("{} fibers on the {} switch, {} KiB stacks, {} rounds\n", fiber_count, Switch::name, stack_size / 1024,
               rounds);
    fmt::print("  spawn:  {:7.3f} s wall, {:7.3f} s CPU ({:.2f} us per fiber: mmap, guard page, bookkeeping)\n",
               spawn_seconds, spawn_cpu_seconds, spawn_cpu_seconds * 1e6 / fiber_count);
    fmt::print("  run:    {:7.3f} s wall, {:7.3f} s CPU ({:.0f} ns per yield, stacks freed as fibers finish)\n",
               run_seconds, run_cpu_seconds, run_cpu_seconds * 1e9 / yields);
    fmt::print("  address space reserved for stacks: {:.0f} MiB\n", reserved_mib);
    fmt::print(
        "  resident (VmRSS): {:.1f} MiB before, {:.1f} MiB after spawn, {:.1f} MiB with every fiber started "
        "({:.1f} KiB per fiber)\n",
        rss_before / 1024.0, rss_spawned / 1024.0, rss_all_started / 1024.0,
        static_cast<double>(rss_all_started - rss_before) / fiber_count);
    fmt::print("  resident after run: {:.1f} MiB\n", status_kib("VmRSS") / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
    int const fiber_count = argc > 1 ? std::atoi(argv[1]) : 10'000;
    int const rounds = argc > 2 ? std::atoi(argv[2]) : 100;
    long const stack_kib = argc > 3 ? std::atol(argv[3]) : 64;
    if (fiber_count <= 0 || rounds <= 0 || stack_kib <= 0) {
        fmt::print(stderr, "usage: {} [FIBERS > 0 [ROUNDS > 0 [STACK_KIB > 0]]]\n", argv[0]);
        return 64;
    }
    auto const stack_size = static_cast<std::size_t>(stack_kib) * 1024;
    measure<asyncio::UcontextSwitch>(fiber_count, rounds, stack_size);
    measure<asyncio::AssemblySwitch>(fiber_count, rounds, stack_size);
    fmt::print("peak resident (VmHWM): {:.1f} MiB\n", status_kib("VmHWM") / 1024.0);
}
