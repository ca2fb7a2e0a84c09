// The "queue of pending tasks" of the classic asyncio explanations, made visible: one
// producer makes a job every 100 ms, two workers take 350 ms per job, and a channel of
// capacity 3 sits between them. When it is full the producer waits; when it is empty a
// worker waits. Chapter 02 lesson program.
//
//   ch02_producer_consumer [JOBS]             default 8 jobs
//   ASYNCIO_TIME_SCALE=0.1 ch02_producer_consumer
#include <asyncio/channel.hpp>
#include <asyncio/scheduler.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <string>

using namespace std::chrono_literals;
using asyncio::Scheduler;

namespace {

auto const start = std::chrono::steady_clock::now();

// Prints one line, prefixed by the (unscaled) time since the start of the program and by
// the channel's contents: one # per waiting job, one . per free slot.
void say(asyncio::Channel<int> const& jobs, std::string const& what) {
    std::chrono::duration<double> const elapsed = std::chrono::steady_clock::now() - start;
    std::string bar(jobs.size(), '#');
    bar.append(jobs.capacity() - jobs.size(), '.');
    fmt::print("{:5.2f} s  [{}]  {}\n", elapsed.count() / asyncio::time_scale(), bar, what);
}

}  // namespace

int main(int argc, char** argv) {
    int const job_count = argc > 1 ? std::atoi(argv[1]) : 8;
    if (job_count <= 0) {
        fmt::print(stderr, "usage: {} [JOBS > 0]\n", argv[0]);
        return 64;
    }

    // region: main
    asyncio::Channel<int> jobs(3);  // declared before the scheduler: the fibers use it
    Scheduler scheduler;
    int done = 0;

    scheduler.spawn([&] {  // the producer
        for (int job = 1; job <= job_count; ++job) {
            if (jobs.size() == jobs.capacity()) say(jobs, fmt::format("producer: queue full, job {} waits", job));
            jobs.send(job);  // parks the producer while the queue is full
            say(jobs, fmt::format("producer: queued job {}", job));
            Scheduler::sleep_for(asyncio::scaled(100ms));
        }
        jobs.close();
        say(jobs, "producer: no more jobs");
    });

    for (int worker = 1; worker <= 2; ++worker) {
        scheduler.spawn([&, worker] {
            // receive() parks the worker while the queue is empty, and returns nothing
            // once the queue is closed and drained.
            while (auto job = jobs.receive()) {
                say(jobs, fmt::format("worker {}: working on job {}", worker, *job));
                Scheduler::sleep_for(asyncio::scaled(350ms));
                ++done;
            }
            say(jobs, fmt::format("worker {}: queue closed, going home", worker));
        });
    }

    scheduler.run();
    // endregion
    fmt::print("{} of {} jobs done\n", done, job_count);
    return done == job_count ? 0 : 1;
}
