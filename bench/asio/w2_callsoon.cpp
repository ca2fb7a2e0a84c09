// W2 on asio (bench/WORKLOADS.md): io_context{1}, handlers posted from inside a running
// handler (asio then queues them on the thread's private queue, without a lock).
//  - W2-flat: one handler posts 1,000,000 no-op handlers, then they all run. Thread CPU
//    time from the first post until the last of them has run. W2-flat-rss: peak RSS
//    growth over it (VmHWM after minus VmRSS before). Measured first, in a fresh process.
//  - W2-chain: 1,000,000 handlers, each posting the next (one in the queue at a time).
//
//   w2_callsoon [--quick]   prints: result asio W2-flat|W2-chain CALLBACKS_PER_S, result asio W2-flat-rss MIB
#include <bench.hpp>

#include <asio.hpp>

#include <cstdio>

namespace {

struct Flat {
    long n;
    long ran = 0;
    double cpu = 0;
    double wall = 0;
};

void run_flat(Flat& w) {
    asio::io_context io{1};
    double start = 0, wall_start = 0;
    asio::post(io, [&] {
        start = bench::thread_cpu_seconds();
        wall_start = bench::wall_seconds();
        for (long i = 0; i < w.n; ++i) asio::post(io, [&w] { ++w.ran; });
        // FIFO: this one runs after the n no-ops.
        asio::post(io, [&] {
            w.cpu = bench::thread_cpu_seconds() - start;
            w.wall = bench::wall_seconds() - wall_start;
        });
    });
    io.run();
}

struct Chain {
    asio::io_context& io;
    long left;
    long ran = 0;
    double start = 0;
    double cpu = 0;

    void step() {
        ++ran;
        if (--left > 0) {
            asio::post(io, [this] { step(); });
        } else {
            cpu = bench::thread_cpu_seconds() - start;
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    bool const is_quick = bench::quick(argc, argv);
    long const n = bench::count(1'000'000, is_quick);

    long const rss_before = bench::status_kib("VmRSS");
    Flat flat{n};
    run_flat(flat);
    long const hwm_after = bench::status_kib("VmHWM");
    if (flat.ran != n) {
        std::fprintf(stderr, "w2_callsoon: W2-flat ran %ld handlers, expected %ld\n", flat.ran, n);
        return 1;
    }

    asio::io_context io{1};
    Chain chain{io, n};
    asio::post(io, [&] {
        chain.start = bench::thread_cpu_seconds();
        asio::post(io, [&] { chain.step(); });
    });
    io.run();
    if (chain.ran != n) {
        std::fprintf(stderr, "w2_callsoon: W2-chain ran %ld handlers, expected %ld\n", chain.ran, n);
        return 1;
    }

    // The wall time is only a note (a busy machine stretches it; the figures are CPU time).
    std::fprintf(stderr, "w2_callsoon: %ld handlers each: flat %.4f s of thread CPU (%.4f s wall), chain %.4f s\n", n,
                 flat.cpu, flat.wall, chain.cpu);
    bench::result(bench::runtime, "W2-flat", static_cast<double>(n) / flat.cpu);
    bench::result(bench::runtime, "W2-chain", static_cast<double>(n) / chain.cpu);
    bench::result(bench::runtime, "W2-flat-rss", static_cast<double>(hwm_after - rss_before) / 1024.0);
    return 0;
}
