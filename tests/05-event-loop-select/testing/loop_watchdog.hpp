// LoopWatchdog: stops an event loop that runs longer than a test allows, so a broken
// exercise fails its test ("the watchdog fired") instead of hanging it. Chapter 05.
#pragma once

#include <asyncio/event_loop.hpp>
#include <asyncio/pipe.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace testing {

// A thread waits for `limit`; if the test has not finished by then, it writes to a pipe
// that the loop watches, and the reader stops the loop. Only the pipe crosses threads:
// the loop itself is touched by its own thread alone, as it must be.
class LoopWatchdog {
public:
    LoopWatchdog(asyncio::EventLoop& loop, std::chrono::milliseconds limit)
        : loop_(loop), pipe_(asyncio::make_pipe()) {
        loop_.add_reader(pipe_.read_end.get(), [this] {
            fired_ = true;
            loop_.remove_reader(pipe_.read_end.get());
            loop_.stop();
        });
        thread_ = std::thread([this, limit] {
            std::unique_lock lock(mutex_);
            if (!done_changed_.wait_for(lock, limit, [this] { return done_; }))
                (void)asyncio::write_some(pipe_.write_end.get(), "!");
        });
    }
    ~LoopWatchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        done_changed_.notify_one();
        thread_.join();
        if (!loop_.is_closed()) loop_.remove_reader(pipe_.read_end.get());
    }
    LoopWatchdog(LoopWatchdog const&) = delete;
    LoopWatchdog& operator=(LoopWatchdog const&) = delete;

    bool fired() const { return fired_; }

private:
    asyncio::EventLoop& loop_;
    asyncio::Pipe pipe_;
    bool fired_ = false;  // only the loop's thread reads and writes it
    std::mutex mutex_;
    std::condition_variable done_changed_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace testing
