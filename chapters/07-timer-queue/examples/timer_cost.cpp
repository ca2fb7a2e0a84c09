// timer_cost.cpp: the course's timer workload W3, on our loop and, where the libuv
// library is installed, on libuv beside it in the same process run. 200,000 timers with
// deadlines from a fixed LCG over 0..999 ms; every odd-indexed one is cancelled right
// after all are scheduled; the loop runs until the other 100,000 have fired.
// Reported: setup (schedule 200,000, cancel 100,000), wall and CPU time of the whole run,
// each the best of RUNS runs with the spread (min..max). Chapter 07.
//
//   ch07_timer_cost [TIMERS [RUNS]]     default 200000 timers, 3 runs
//
// libuv is loaded with dlopen("libuv.so.1") if it is there (Debian: libuv1), so the
// course needs neither its headers nor a link to it; without it, its column is skipped.
// course-bench:
#include <asyncio/event_loop.hpp>

#include <dlfcn.h>
#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <cstddef>
#include <type_traits>
#include <string>
#include <vector>

namespace {

double process_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double wall_seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The deadlines every peer of W3 uses: x = x * 6364136223846793005 + 1442695040888963407
// (mod 2^64), deadline = (x >> 33) % 1000 ms, seed 12345.
std::vector<int> deadlines_ms(long count) {
    std::vector<int> out;
    std::uint64_t x = 12345;
    for (long i = 0; i < count; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        out.push_back(static_cast<int>((x >> 33) % 1000));
    }
    return out;
}

struct Sample {
    double setup = 0, wall = 0, cpu = 0;
};

// region: workload
Sample run_ours(std::vector<int> const& deadlines) {
    asyncio::EventLoop loop;
    long const expected = static_cast<long>(deadlines.size() + 1) / 2;
    long fired = 0;
    std::vector<asyncio::TimerHandle> timers;
    timers.reserve(deadlines.size());

    double const cpu0 = process_cpu_seconds();
    double const wall0 = wall_seconds();
    for (int const ms : deadlines)
        timers.push_back(loop.call_later(std::chrono::milliseconds(ms), [&] {
            if (++fired == expected) loop.stop();
        }));
    for (std::size_t i = 1; i < timers.size(); i += 2) timers[i].cancel();
    double const setup = wall_seconds() - wall0;
    loop.run_forever();
    Sample sample{setup, wall_seconds() - wall0, process_cpu_seconds() - cpu0};

    if (fired != expected) {
        fmt::print(stderr, "timer_cost: {} timers fired, expected {}\n", fired, expected);
        std::exit(1);
    }
    return sample;
}
// endregion

// libuv through dlopen: just the calls W3 needs, declared by hand from uv.h (libuv 1.x,
// whose ABI is stable). A handle's first field is its `void* data`.
struct LibUv {
    void* library = nullptr;
    std::size_t (*loop_size)() = nullptr;
    std::size_t (*handle_size)(int) = nullptr;
    int (*loop_init)(void*) = nullptr;
    int (*loop_close)(void*) = nullptr;
    int (*run)(void*, int) = nullptr;
    void (*update_time)(void*) = nullptr;
    int (*timer_init)(void*, void*) = nullptr;
    int (*timer_start)(void*, void (*)(void*), std::uint64_t, std::uint64_t) = nullptr;
    int (*timer_stop)(void*) = nullptr;
    void (*close)(void*, void (*)(void*)) = nullptr;
    char const* (*version_string)() = nullptr;
    static constexpr int timer_type = 13;  // UV_TIMER in uv_handle_type
    static constexpr int run_default = 0;  // UV_RUN_DEFAULT

    static std::optional<LibUv> load() {
        LibUv uv;
        uv.library = dlopen("libuv.so.1", RTLD_NOW | RTLD_LOCAL);
        if (uv.library == nullptr) return std::nullopt;
        bool ok = true;
        auto get = [&](auto& function, char const* name) {
            function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(uv.library, name));
            ok = ok && function != nullptr;
        };
        get(uv.loop_size, "uv_loop_size");
        get(uv.handle_size, "uv_handle_size");
        get(uv.loop_init, "uv_loop_init");
        get(uv.loop_close, "uv_loop_close");
        get(uv.run, "uv_run");
        get(uv.update_time, "uv_update_time");
        get(uv.timer_init, "uv_timer_init");
        get(uv.timer_start, "uv_timer_start");
        get(uv.timer_stop, "uv_timer_stop");
        get(uv.close, "uv_close");
        get(uv.version_string, "uv_version_string");
        if (!ok) return std::nullopt;
        return uv;
    }
};

long uv_fired = 0;

Sample run_libuv(LibUv const& uv, std::vector<int> const& deadlines) {
    std::vector<std::max_align_t> loop_memory(uv.loop_size() / sizeof(std::max_align_t) + 1);
    void* const loop = loop_memory.data();
    std::size_t const stride = (uv.handle_size(LibUv::timer_type) + 15) / 16 * 16;
    std::vector<std::max_align_t> timer_memory(stride * deadlines.size() / sizeof(std::max_align_t) + 1);
    auto timer = [&](std::size_t i) { return reinterpret_cast<char*>(timer_memory.data()) + i * stride; };
    uv.loop_init(loop);
    uv_fired = 0;

    double const cpu0 = process_cpu_seconds();
    double const wall0 = wall_seconds();
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        uv.timer_init(loop, timer(i));
        uv.update_time(loop);  // deadlines from now, like call_later (libuv caches its time)
        uv.timer_start(timer(i), [](void*) { ++uv_fired; }, static_cast<std::uint64_t>(deadlines[i]), 0);
    }
    for (std::size_t i = 1; i < deadlines.size(); i += 2) uv.timer_stop(timer(i));
    double const setup = wall_seconds() - wall0;
    uv.run(loop, LibUv::run_default);  // returns when no timer is left
    Sample sample{setup, wall_seconds() - wall0, process_cpu_seconds() - cpu0};

    for (std::size_t i = 0; i < deadlines.size(); ++i) uv.close(timer(i), nullptr);
    uv.run(loop, LibUv::run_default);
    uv.loop_close(loop);
    if (uv_fired != static_cast<long>(deadlines.size() + 1) / 2) {
        fmt::print(stderr, "timer_cost: libuv fired {} timers, expected {}\n", uv_fired, (deadlines.size() + 1) / 2);
        std::exit(1);
    }
    return sample;
}

struct Spread {
    double best, worst;
};

template <class Get>
Spread spread(std::vector<Sample> const& samples, Get get) {
    Spread s{1e300, 0};
    for (auto const& sample : samples) {
        s.best = std::min(s.best, get(sample));
        s.worst = std::max(s.worst, get(sample));
    }
    return s;
}

void print_row(std::string const& name, std::vector<Sample> const& samples) {
    auto cell = [](Spread s) { return fmt::format("{:.3f} ({:.3f}..{:.3f})", s.best, s.best, s.worst); };
    fmt::print("{:<10} {:>24} {:>24} {:>24}\n", name, cell(spread(samples, [](Sample const& s) { return s.setup; })),
               cell(spread(samples, [](Sample const& s) { return s.wall; })),
               cell(spread(samples, [](Sample const& s) { return s.cpu; })));
}

}  // namespace

int main(int argc, char** argv) {
    long const count = argc > 1 ? std::atol(argv[1]) : 200'000;
    int const runs = argc > 2 ? std::atoi(argv[2]) : 3;
    if (count < 1 || runs < 1) {
        fmt::print(stderr, "usage: ch07_timer_cost [TIMERS [RUNS]] with positive numbers\n");
        return 2;
    }
    auto const deadlines = deadlines_ms(count);
    std::optional<LibUv> const uv = LibUv::load();

    // Alternating, so that a change in the machine's load hits both alike.
    std::vector<Sample> ours, theirs;
    for (int run = 0; run < runs; ++run) {
        ours.push_back(run_ours(deadlines));
        if (uv) theirs.push_back(run_libuv(*uv, deadlines));
    }

    fmt::print("W3: {} timers over 0..999 ms, half cancelled; seconds, best of {} (min..max)\n", count, runs);
    fmt::print("{:<10} {:>24} {:>24} {:>24}\n", "", "setup", "wall", "CPU");
    print_row("course", ours);
    if (uv) {
        print_row(fmt::format("libuv {}", uv->version_string()), theirs);
        fmt::print("CPU, course / libuv: {:.2f}\n", spread(ours, [](Sample const& s) { return s.cpu; }).best /
                                                       spread(theirs, [](Sample const& s) { return s.cpu; }).best);
    } else {
        fmt::print("libuv: skipped (libuv.so.1 not found; Debian: apt-get install libuv1)\n");
    }
}
