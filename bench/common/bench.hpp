// The scoreboard's C++ programs share this: clocks, the result line, W3's deadlines and
// peak memory. Every workload is defined in bench/WORKLOADS.md.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

// The row name a program reports under. The course's programs are built twice (against
// chapter 12 and chapter 11), and the build says which by defining COURSE_BENCH_RUNTIME.
#ifdef COURSE_BENCH_RUNTIME
inline constexpr char const* runtime = COURSE_BENCH_RUNTIME;
#endif

// "result RUNTIME METRIC VALUE": the one line the scoreboard reads (bench/WORKLOADS.md).
inline void result(std::string_view runtime_name, std::string_view metric, double value) {
    std::printf("result %.*s %.*s %.9g\n", static_cast<int>(runtime_name.size()), runtime_name.data(),
                static_cast<int>(metric.size()), metric.data(), value);
    std::fflush(stdout);
}

// --quick: every count 10 times smaller (a smoke run; its figures mean nothing).
inline bool quick(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--quick") == 0) return true;
    return false;
}
inline long count(long full, bool is_quick) { return is_quick ? std::max(1L, full / 10) : full; }

inline double seconds_of(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
inline double wall_seconds() { return seconds_of(CLOCK_MONOTONIC); }
inline double thread_cpu_seconds() { return seconds_of(CLOCK_THREAD_CPUTIME_ID); }
inline double process_cpu_seconds() { return seconds_of(CLOCK_PROCESS_CPUTIME_ID); }

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), 0 if it is not there.
inline long status_kib(char const* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    std::string const prefix = std::string(field) + ":";
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
    return 0;
}

// W3's deadlines, in whole milliseconds 0..999 (bench/WORKLOADS.md gives the recurrence).
inline std::vector<int> timer_deadlines_ms(std::size_t n) {
    std::vector<int> out(n);
    std::uint64_t x = 12345;
    for (auto& ms : out) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        ms = static_cast<int>((x >> 33) % 1000);
    }
    return out;
}

// The p-th quantile (0..1) of samples, nearest rank.
inline double quantile(std::vector<double> samples, double p) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    auto const i = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[std::min(i, samples.size() - 1)];
}

}  // namespace bench
