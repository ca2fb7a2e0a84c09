// timer_scaling.cpp: what one timer costs as the number of pending timers grows, in
// chapter 07's heap, in its bonus step's timing wheel and in chapter 02's sorted list. Each round schedules N timers with
// pseudo-random deadlines, cancels every other one, then takes all that are due, without
// a loop or a clock: only the data structure is measured. CPU time, best of 3 runs.
// Chapter 07.
//
//   ch07_timer_scaling [MAX]     sizes 1,000 ... MAX (default 1,000,000)
// course-bench:
#include <asyncio/timer_queue.hpp>
#include <asyncio/timing_wheel.hpp>
#include <asyncio/todo.hpp>

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <list>
#include <string>
#include <vector>

namespace {

double cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

std::vector<std::chrono::milliseconds> deadlines(long count) {
    std::vector<std::chrono::milliseconds> out;
    std::uint64_t x = 12345;
    for (long i = 0; i < count; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        out.emplace_back(static_cast<long>((x >> 33) % 1'000'000));
    }
    return out;
}

asyncio::TimePoint const t0{};
long fired = 0;

// region: heap
// Chapter 07: push is O(log n); cancel is O(1) (the timer stays until it surfaces, or
// until a rebuild); each pop is O(log n).
void heap_round(std::vector<std::chrono::milliseconds> const& due) {
    asyncio::TimerQueue queue;
    std::vector<asyncio::TimerHandle> timers;
    timers.reserve(due.size());
    for (auto const d : due) timers.push_back(queue.push(t0 + d, [] { ++fired; }));
    for (std::size_t i = 1; i < timers.size(); i += 2) timers[i].cancel();
    std::deque<asyncio::Handle> ready;
    queue.pop_due(t0 + std::chrono::hours(1), ready);
    for (auto& handle : ready) handle.run();
}
// endregion

// region: wheel
// The bonus step: push and cancel are O(1), with no comparison of deadlines; a timer is
// moved down at most four times; the due ones are sorted once, when they come out.
void wheel_round(std::vector<std::chrono::milliseconds> const& due) {
    asyncio::TimingWheel wheel(t0);
    std::vector<asyncio::TimerHandle> timers;
    timers.reserve(due.size());
    for (auto const d : due) timers.push_back(wheel.push(t0 + d, [] { ++fired; }));
    for (std::size_t i = 1; i < timers.size(); i += 2) timers[i].cancel();
    std::deque<asyncio::Handle> ready;
    wheel.pop_due(t0 + std::chrono::hours(1), ready);
    for (auto& handle : ready) handle.run();
}
// endregion

// region: list
// Chapter 02's sleepers: a list kept sorted by inserting from the back. Insertion walks
// past every later deadline: O(n) for random deadlines. Cancelling marks the entry;
// popping takes from the front, O(1).
struct Sleeper {
    asyncio::TimePoint deadline;
    bool cancelled = false;
};

void list_round(std::vector<std::chrono::milliseconds> const& due) {
    std::list<Sleeper> sleepers;
    std::vector<std::list<Sleeper>::iterator> entries;
    for (auto const d : due) {
        auto position = sleepers.end();
        while (position != sleepers.begin() && std::prev(position)->deadline > t0 + d) --position;
        entries.push_back(sleepers.insert(position, Sleeper{t0 + d}));
    }
    for (std::size_t i = 1; i < entries.size(); i += 2) entries[i]->cancelled = true;
    while (!sleepers.empty()) {
        if (!sleepers.front().cancelled) ++fired;
        sleepers.pop_front();
    }
}
// endregion

template <class Round>
double ns_per_timer(long count, Round round) {
    auto const due = deadlines(count);
    double best = 1e300;
    for (int run = 0; run < 3; ++run) {
        double const start = cpu_seconds();
        round(due);
        best = std::min(best, (cpu_seconds() - start) * 1e9 / static_cast<double>(count));
    }
    return best;
}

std::string bar(double ns, double max_ns) {
    // Logarithmic: 1 ns..max_ns over 40 characters.
    int const width = static_cast<int>(std::lround(40.0 * std::log10(std::max(ns, 1.0)) / std::log10(max_ns)));
    return std::string(static_cast<std::size_t>(std::max(width, 1)), '#');
}

}  // namespace

int main(int argc, char** argv) {
    long const max = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    // The list is quadratic: measured up to 10,000 (CPU seconds), estimated above
    // from the 10,000 figure, growing linearly per timer.
    long const list_limit = 10'000;
    fmt::print("ns per timer (schedule, cancel half, fire the rest), CPU time, best of 3\n");
    fmt::print("{:>10} {:>12} {:>12} {:>16}\n", "timers", "heap", "wheel", "sorted list");
    std::vector<long> sizes;
    for (long n = 1000; n <= max; n *= 10) sizes.push_back(n);
    double list_at_limit = 0;
    bool wheel_missing = false;
    std::vector<std::string> chart;
    for (long const n : sizes) {
        double const heap = ns_per_timer(n, heap_round);
        double wheel = 0;  // 0: the bonus step is not done in this build
        try {
            wheel = ns_per_timer(n, wheel_round);
        } catch (asyncio::NotImplementedError const&) {
            wheel_missing = true;
        }
        double list = 0;
        bool estimated = n > list_limit;
        if (!estimated) {
            list = ns_per_timer(n, list_round);
            if (n == list_limit) list_at_limit = list;
        } else {
            list = list_at_limit * static_cast<double>(n) / static_cast<double>(list_limit);
        }
        std::string const wheel_column = wheel > 0 ? fmt::format("{:.0f}", wheel) : "(bonus)";
        fmt::print("{:>10} {:>12.0f} {:>12} {:>14.0f}{}\n", n, heap, wheel_column, list, estimated ? " *" : "");
        chart.push_back(fmt::format("{:>9} heap  {}", n, bar(heap, 1e6)));
        if (wheel > 0) chart.push_back(fmt::format("{:>9} wheel {}", "", bar(wheel, 1e6)));
        chart.push_back(fmt::format("{:>9} list  {}{}", "", bar(list, 1e6), estimated ? " (estimated)" : ""));
    }
    if (max > list_limit) fmt::print("* estimated: the list's cost per timer grows linearly with n\n");
    if (wheel_missing) fmt::print("(bonus): the timing wheel of the bonus step timing-wheel is not written yet\n");
    fmt::print("\nns per timer, logarithmic (40 # = 1 ms):\n");
    for (auto const& line : chart) fmt::print("{}\n", line);
    if (fired == 0) return 1;  // keeps the work from being optimised away
}
