// Waker: an fd the event loop watches so that another thread can wake it from its
// selector (CPython's self-pipe, _write_to_self; libuv's uv_async_t). On Linux an eventfd,
// one fd for both ends; elsewhere, or with ASYNCIO_SELF_PIPE=1, a non-blocking pipe.
// Introduced in chapter 10.
#pragma once

#include <asyncio/file_descriptor.hpp>

#include <atomic>
#include <cstdint>

namespace asyncio {

class Waker {
public:
    Waker();  // an eventfd, or a pipe when eventfd is missing (or ASYNCIO_SELF_PIPE=1)
    Waker(Waker const&) = delete;
    Waker& operator=(Waker const&) = delete;

    int fd() const noexcept { return read_.get(); }  // what the loop watches for reading
    bool is_eventfd() const noexcept { return !write_; }

    // Any thread: makes fd() readable. Never blocks and never fails: an eventfd or a pipe
    // too full to take more is readable already, and that is all a wake-up needs.
    // (Not noexcept only so that the exercise stub can throw.)
    void notify();
    // The loop's thread: reads until nothing is left, so that fd() is quiet again.
    void drain();

    // How many times notify() wrote to the fd (the lesson counts the system calls).
    std::uint64_t writes() const noexcept { return writes_.load(std::memory_order_relaxed); }

private:
    FileDescriptor read_;   // the eventfd itself, or the pipe's read end
    FileDescriptor write_;  // the pipe's write end; empty for an eventfd
    std::atomic<std::uint64_t> writes_{0};
};

}  // namespace asyncio
