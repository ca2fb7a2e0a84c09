// W1 on boost.context (bench/WORKLOADS.md): one boost::context::fiber and the main
// context hand control back and forth; a round trip is two transfers of control.
// Thread CPU time over the round trips after a 10 % warm-up, divided by 2 × round trips.
//
//   w1_switch [--quick]     prints: result boost.context W1-switch NS
#include <bench.hpp>

#include <boost/context/fiber.hpp>

#include <cstdio>
#include <utility>

namespace ctx = boost::context;

int main(int argc, char** argv) {
    bool const is_quick = bench::quick(argc, argv);
    long const round_trips = bench::count(10'000'000, is_quick);
    long const warm_up = round_trips / 10;

    // The fiber counts the times it is entered, so the check below proves every resume
    // really reached it (and the loop cannot be optimised into nothing).
    long entered = 0;
    bool stop = false;
    ctx::fiber fiber{[&](ctx::fiber&& back) {
        while (!stop) {
            ++entered;
            back = std::move(back).resume();  // switch 2 of a round trip: back to main
        }
        return std::move(back);
    }};

    for (long i = 0; i < warm_up; ++i) fiber = std::move(fiber).resume();

    double const start = bench::thread_cpu_seconds();
    for (long i = 0; i < round_trips; ++i) fiber = std::move(fiber).resume();  // switch 1: into the fiber
    double const cpu = bench::thread_cpu_seconds() - start;

    stop = true;
    fiber = std::move(fiber).resume();  // lets the fiber's function return; the fiber is then finished
    if (fiber) {
        std::fprintf(stderr, "w1_switch: the fiber did not finish\n");
        return 1;
    }
    if (entered != warm_up + round_trips) {
        std::fprintf(stderr, "w1_switch: the fiber ran %ld times, expected %ld\n", entered, warm_up + round_trips);
        return 1;
    }
    std::fprintf(stderr, "w1_switch: %ld round trips in %.3f s of thread CPU\n", round_trips, cpu);
    bench::result(bench::runtime, "W1-switch", cpu * 1e9 / (2.0 * static_cast<double>(round_trips)));
    return 0;
}
