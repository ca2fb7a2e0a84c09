// W6 on asio (bench/WORKLOADS.md): a parent coroutine co_spawns 100,000 child coroutines
// on io_context{1}; each child yields to the loop once with co_await asio::post(use_awaitable)
// (asio's sleep(0)). asio 1.22 has no gather of a range of tasks, so the parent counts the
// children's completions and awaits a one-slot channel that the last one fills.
//  - W6-gather: thread CPU time from the first spawn until the parent's await returns;
//  - W6-bytes-per-task: (VmHWM at the end - VmRSS before the first spawn) / 100,000.
//
//   w6_gather [--quick]     prints: result asio W6-gather SECONDS, result asio W6-bytes-per-task BYTES
#include <bench.hpp>

#include <asio.hpp>
#include <asio/experimental/channel.hpp>

#include <cstdio>
#include <exception>
#include <system_error>

namespace {

// The message carries the number of children finished (a bare void(std::error_code) trips
// an ambiguity in asio 1.22's channel_traits).
using Done = asio::experimental::channel<void(std::error_code, long)>;

struct Gather {
    long n;
    long finished = 0;
    long failed = 0;
    long rss_before_kib = 0;
    double cpu = 0;
    double wall = 0;
};

asio::awaitable<void> child(long& yielded) {
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    ++yielded;
}

asio::awaitable<void> parent(Gather& g, long& yielded) {
    auto executor = co_await asio::this_coro::executor;
    Done done{executor, 1};
    g.rss_before_kib = bench::status_kib("VmRSS");
    double const start = bench::thread_cpu_seconds();
    double const wall_start = bench::wall_seconds();
    for (long i = 0; i < g.n; ++i) {
        asio::co_spawn(executor, child(yielded), [&g, &done](std::exception_ptr e) {
            if (e) ++g.failed;
            if (++g.finished == g.n) done.try_send(std::error_code{}, g.finished);
        });
    }
    long const reported = co_await done.async_receive(asio::use_awaitable);
    g.cpu = bench::thread_cpu_seconds() - start;
    g.wall = bench::wall_seconds() - wall_start;
    if (reported != g.n) ++g.failed;
}

}  // namespace

int main(int argc, char** argv) {
    bool const is_quick = bench::quick(argc, argv);
    Gather g{bench::count(100'000, is_quick)};
    long yielded = 0;

    asio::io_context io{1};
    bool parent_done = false;
    asio::co_spawn(io, parent(g, yielded), [&](std::exception_ptr e) { parent_done = !e; });
    io.run();
    long const hwm_kib = bench::status_kib("VmHWM");

    if (!parent_done || g.finished != g.n || g.failed != 0 || yielded != g.n) {
        std::fprintf(stderr, "w6_gather: parent %s, %ld of %ld children finished (%ld failed, %ld yielded)\n",
                     parent_done ? "done" : "failed", g.finished, g.n, g.failed, yielded);
        return 1;
    }
    // The wall time is only a note (a busy machine stretches it; the figure is CPU time).
    std::fprintf(stderr,
                 "w6_gather: %ld tasks in %.4f s of thread CPU (%.4f s wall); VmHWM %ld KiB, VmRSS before %ld KiB\n",
                 g.n, g.cpu, g.wall, hwm_kib, g.rss_before_kib);
    bench::result(bench::runtime, "W6-gather", g.cpu);
    bench::result(bench::runtime, "W6-bytes-per-task",
                  static_cast<double>(hwm_kib - g.rss_before_kib) * 1024.0 / static_cast<double>(g.n));
    return 0;
}
