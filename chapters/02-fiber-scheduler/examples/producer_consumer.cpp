// The "queue of pending tasks" of the classic asyncio explanations, made visible: one
// producer makes a job each turn it gets, two workers need three turns per job, and a
// channel of capacity 3 sits between them. When it is full the producer waits; when it is
// empty a worker waits. Chapter 02 lesson program.
//
// A "turn" is one Scheduler::yield(), not a sleep: the order of events then comes from the
// run queue and the channel alone, so the program prints the same lines on every machine,
// however busy (a story told with racing sleeps would not).
//
//   ch02_producer_consumer [JOBS]             default 8 jobs
#include <asyncio/channel.hpp>
#include <asyncio/scheduler.hpp>

#include <fmt/core.h>

#include <cstdlib>
#include <string>

using asyncio::Scheduler;

namespace {

// Prints one line, prefixed by the channel's contents: one # per waiting job, one . per
// free slot.
void say(asyncio::Channel<int> const& jobs, std::string const& what) {
    std::string bar(jobs.size(), '#');
    bar.append(jobs.capacity() - jobs.size(), '.');
    fmt::print("[{}]  {}\n", bar, what);
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
            Scheduler::yield();  // one job per turn
        }
        jobs.close();
        say(jobs, "producer: no more jobs");
    });

    for (int worker = 1; worker <= 2; ++worker) {
        scheduler.spawn([&, worker] {
            // receive() parks the worker while the queue is empty, and returns nothing
            // once the queue is closed and drained.
            for (;;) {
                if (jobs.size() == 0 && !jobs.closed()) say(jobs, fmt::format("worker {}: queue empty, waits", worker));
                auto const job = jobs.receive();
                if (!job) break;
                say(jobs, fmt::format("worker {}: working on job {}", worker, *job));
                for (int turn = 0; turn < 3; ++turn) Scheduler::yield();  // three turns per job
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
