// W3 on asio (bench/WORKLOADS.md): 200,000 asio::steady_timer, timer i expiring
// bench::timer_deadlines_ms()[i] ms after its creation, every odd-indexed one cancelled
// once all are created; io_context{1} then runs until the 100,000 others have fired.
// A cancelled timer's handler still runs, with asio::error::operation_aborted: asio's API.
//  - W3-setup: wall time of creating all and cancelling half;
//  - W3-wall:  wall time from the first create until the 100,000th live timer fired;
//  - W3-cpu:   process CPU time over the same span.
//
//   w3_timers [--quick]     prints: result asio W3-setup|W3-wall|W3-cpu SECONDS
#include <bench.hpp>

#include <asio.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
    bool const is_quick = bench::quick(argc, argv);
    auto const n = static_cast<std::size_t>(bench::count(200'000, is_quick));
    std::vector<int> const deadlines = bench::timer_deadlines_ms(n);
    long const live = static_cast<long>(n / 2);  // the even-indexed ones

    asio::io_context io{1};
    std::vector<asio::steady_timer> timers;
    timers.reserve(n);

    long fired = 0, aborted = 0, failed = 0;
    double wall_end = 0, cpu_end = 0;
    auto on_timer = [&](std::error_code ec) {
        if (!ec) {
            if (++fired == live) {
                wall_end = bench::wall_seconds();
                cpu_end = bench::process_cpu_seconds();
            }
        } else if (ec == asio::error::operation_aborted) {
            ++aborted;
        } else {
            ++failed;
        }
    };

    double const wall_start = bench::wall_seconds();
    double const cpu_start = bench::process_cpu_seconds();
    for (std::size_t i = 0; i < n; ++i) {
        asio::steady_timer& t = timers.emplace_back(io);
        t.expires_after(std::chrono::milliseconds(deadlines[i]));
        t.async_wait(on_timer);
    }
    for (std::size_t i = 1; i < n; i += 2) timers[i].cancel();
    double const setup = bench::wall_seconds() - wall_start;

    io.run();

    if (fired != live || aborted != static_cast<long>(n) - live || failed != 0) {
        std::fprintf(stderr, "w3_timers: %ld fired, %ld cancelled, %ld failed; expected %ld, %ld, 0\n", fired, aborted,
                     failed, live, static_cast<long>(n) - live);
        return 1;
    }
    std::fprintf(stderr, "w3_timers: %zu timers, %ld fired\n", n, fired);
    bench::result(bench::runtime, "W3-setup", setup);
    bench::result(bench::runtime, "W3-wall", wall_end - wall_start);
    bench::result(bench::runtime, "W3-cpu", cpu_end - cpu_start);
    return 0;
}
