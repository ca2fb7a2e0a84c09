// W3 on libuv (bench/WORKLOADS.md): 200,000 uv_timer_t, timer i started with
// bench::timer_deadlines_ms()[i] ms, every odd-indexed one stopped once all are started;
// the loop then runs until the 100,000 others have fired (it returns when no timer is
// active). libuv counts a timeout from the loop's cached "now", so uv_update_time() comes
// before every start: the deadline is then i's creation + d ms, as the workload says.
//  - W3-setup: wall time of creating all and cancelling half;
//  - W3-wall:  wall time from the first create until the 100,000th live timer fired;
//  - W3-cpu:   process CPU time over the same span.
//
//   w3_timers [--quick]     prints: result libuv W3-setup|W3-wall|W3-cpu SECONDS
#include <bench.hpp>

#include <uv.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace {

struct Run {
    long live = 0;
    long fired = 0;
    double wall_end = 0;
    double cpu_end = 0;
};

void on_timer(uv_timer_t* timer) {
    auto& run = *static_cast<Run*>(timer->data);
    if (++run.fired == run.live) {
        run.wall_end = bench::wall_seconds();
        run.cpu_end = bench::process_cpu_seconds();
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool const is_quick = bench::quick(argc, argv);
    auto const n = static_cast<std::size_t>(bench::count(200'000, is_quick));
    std::vector<int> const deadlines = bench::timer_deadlines_ms(n);

    uv_loop_t loop;
    if (int const rc = uv_loop_init(&loop); rc != 0) {
        std::fprintf(stderr, "w3_timers: uv_loop_init: %s\n", uv_strerror(rc));
        return 1;
    }
    Run run;
    run.live = static_cast<long>(n / 2);  // the even-indexed ones
    // libuv keeps pointers to its handles: they must not move, so one array, never resized.
    std::unique_ptr<uv_timer_t[]> timers{new uv_timer_t[n]};

    double const wall_start = bench::wall_seconds();
    double const cpu_start = bench::process_cpu_seconds();
    for (std::size_t i = 0; i < n; ++i) {
        uv_timer_t* t = &timers[i];
        uv_timer_init(&loop, t);
        t->data = &run;
        uv_update_time(&loop);
        uv_timer_start(t, on_timer, static_cast<std::uint64_t>(deadlines[i]), 0);
    }
    for (std::size_t i = 1; i < n; i += 2) uv_timer_stop(&timers[i]);
    double const setup = bench::wall_seconds() - wall_start;

    uv_run(&loop, UV_RUN_DEFAULT);

    long const fired = run.fired;
    for (std::size_t i = 0; i < n; ++i) uv_close(reinterpret_cast<uv_handle_t*>(&timers[i]), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);  // runs the closes
    if (int const rc = uv_loop_close(&loop); rc != 0) {
        std::fprintf(stderr, "w3_timers: uv_loop_close: %s\n", uv_strerror(rc));
        return 1;
    }
    if (fired != run.live) {
        std::fprintf(stderr, "w3_timers: %ld timers fired, expected %ld\n", fired, run.live);
        return 1;
    }
    std::fprintf(stderr, "w3_timers: %zu timers, %ld fired\n", n, fired);
    bench::result(bench::runtime, "W3-setup", setup);
    bench::result(bench::runtime, "W3-wall", run.wall_end - wall_start);
    bench::result(bench::runtime, "W3-cpu", run.cpu_end - cpu_start);
    return 0;
}
