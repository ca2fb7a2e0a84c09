// gather_bench.cpp: W6 of the course's peer workloads. 100,000 tasks that each await
// sleep(0) once, gathered: the time from the first create_task to the gather returning,
// and the bytes a task costs, two ways: the peak RSS growth of the process over a run
// with one task (what the peers' harness measures, with /usr/bin/time), and the heap
// bytes live at the peak, counted by this program's operator new, split by phase.
// Each run is a child process of its own, so that its peak RSS is its own.
// Usage: ch09_gather_bench [tasks] [runs]. Chapter 09.
// course-bench:
#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <fmt/core.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// ---- Counting the heap: every operator new of the program goes through here ----------

// Only in the counting run: the timed runs pay nothing but a test of g_counting.
namespace {
bool g_counting = false;
std::size_t g_live = 0;   // bytes live now (malloc_usable_size, so what malloc gave)
std::size_t g_count = 0;  // allocations made
}  // namespace

void* operator new(std::size_t size) {
    void* p = std::malloc(size == 0 ? 1 : size);
    if (p == nullptr) throw std::bad_alloc();
    if (g_counting) {
        g_live += malloc_usable_size(p);
        ++g_count;
    }
    return p;
}
void operator delete(void* p) noexcept {
    if (p == nullptr) return;
    if (g_counting) g_live -= malloc_usable_size(p);
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

struct Phase {
    std::size_t bytes = 0;
    std::size_t allocations = 0;
};

struct Sample {
    double wall = 0;         // s, first create_task to the gather's return
    double cpu = 0;          // s of CPU, the same span
    long max_rss_kib = 0;    // the child's peak RSS
    Phase coroutines, tasks, gathering;  // heap live after each phase, per phase
    std::size_t running_allocations = 0;  // made (and freed) while the tasks ran
    std::size_t frame_size = 0;
};

double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// region: workload
asyncio::Coro<int> child(int i) {
    co_await asyncio::sleep(0s);  // yield to the loop once
    co_return i;
}

asyncio::Coro<std::size_t> gather_all(int n, Sample& sample) {
    using Clock = std::chrono::steady_clock;
    auto const start = Clock::now();
    double const cpu_start = cpu_now();
    std::size_t live = g_live, count = g_count;
    auto phase = [&](Phase& into) {
        into = {g_live - live, g_count - count};
        live = g_live;
        count = g_count;
    };
    std::vector<asyncio::Coro<int>> coros;
    coros.reserve(n);
    for (int i = 0; i < n; ++i) coros.push_back(child(i));
    sample.frame_size = asyncio::frame_stats().last_size.load();  // what the compiler asked for
    phase(sample.coroutines);
    std::vector<asyncio::Task<int>> tasks;
    tasks.reserve(n);
    for (auto& coro : coros) tasks.push_back(asyncio::create_task(std::move(coro)));
    phase(sample.tasks);
    auto gathering = asyncio::gather(tasks);
    phase(sample.gathering);
    std::size_t const before_running = g_count;
    std::vector<int> const results = co_await gathering;
    sample.running_allocations = g_count - before_running;
    sample.cpu = cpu_now() - cpu_start;
    sample.wall = std::chrono::duration<double>(Clock::now() - start).count();
    co_return results.size();
}
// endregion

Sample run_once(int n, bool counting) {
    g_counting = counting;  // set before the first allocation that is counted, never changed after
    Sample sample;
    std::size_t const done = asyncio::run(gather_all(n, sample));
    if (done != static_cast<std::size_t>(n)) std::abort();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    sample.max_rss_kib = usage.ru_maxrss;
    return sample;
}

// Runs run_once(n) in a child process and reads its Sample back through a pipe.
Sample in_child(int n, bool counting = false) {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid_t const pid = fork();
    if (pid == 0) {
        close(fds[0]);
        Sample const sample = run_once(n, counting);
        ssize_t const wrote = write(fds[1], &sample, sizeof sample);
        _exit(wrote == static_cast<ssize_t>(sizeof sample) ? 0 : 1);
    }
    close(fds[1]);
    Sample sample;
    ssize_t const got = read(fds[0], &sample, sizeof sample);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != static_cast<ssize_t>(sizeof sample) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fmt::print(stderr, "a run failed\n");
        std::exit(1);
    }
    return sample;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int const n = argc > 1 ? std::atoi(argv[1]) : 100'000;
    int const runs = argc > 2 ? std::atoi(argv[2]) : 5;
    if (n < 1 || runs < 1) {
        fmt::print(stderr, "usage: ch09_gather_bench [tasks >= 1] [runs >= 1]\n");
        return 2;
    }
    std::vector<double> walls, cpus, rss, baseline;
    for (int r = 0; r < runs; ++r) {
        Sample const last = in_child(n);
        walls.push_back(last.wall);
        cpus.push_back(last.cpu);
        rss.push_back(static_cast<double>(last.max_rss_kib) * 1024);
        baseline.push_back(static_cast<double>(in_child(1).max_rss_kib) * 1024);
    }
    auto spread = [](std::vector<double> const& v, double scale, char const* unit) {
        auto [lo, hi] = std::minmax_element(v.begin(), v.end());
        return fmt::format("best {:.3f} {}, median {:.3f}, spread {:.3f}..{:.3f}", *lo * scale, unit,
                           median(v) * scale, *lo * scale, *hi * scale);
    };
    fmt::print("W6: gather of {} tasks that each await sleep(0) once, {} runs, each in a child process\n", n, runs);
    fmt::print("  wall time  {}\n", spread(walls, 1, "s"));
    fmt::print("  CPU time   {}\n", spread(cpus, 1, "s"));
    double const per_task_rss = (median(rss) - median(baseline)) / n;
    fmt::print("  peak RSS   {:.1f} MiB (one task: {:.1f} MiB): {:.0f} B per task (the peers' method)\n",
               median(rss) / (1 << 20), median(baseline) / (1 << 20), per_task_rss);
    auto per = [n](Phase const& p) {
        return fmt::format("{:6.0f} B in {:.2f} allocations", static_cast<double>(p.bytes) / n,
                           static_cast<double>(p.allocations) / n);
    };
    Sample const last = in_child(n, true);  // one more run, counting the heap
    std::size_t const heap = last.coroutines.bytes + last.tasks.bytes + last.gathering.bytes;
    fmt::print("  heap live per task, by what allocated it (malloc's usable sizes):\n");
    fmt::print("    the coroutine frame    {}  (the compiler asked for {} B)\n", per(last.coroutines), last.frame_size);
    fmt::print("    create_task            {}  (task state, first step's handle, the loop's table)\n", per(last.tasks));
    fmt::print("    gather                 {}  (done-callback, slot, weak reference)\n", per(last.gathering));
    fmt::print("    total                  {:6.0f} B\n", static_cast<double>(heap) / n);
    fmt::print("  allocations per task while the tasks run (freed again): {:.2f}\n",
               static_cast<double>(last.running_allocations) / n);
}
