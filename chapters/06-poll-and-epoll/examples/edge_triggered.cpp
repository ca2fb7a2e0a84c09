// edge_triggered.cpp: level- versus edge-triggered epoll, on a pipe holding 100 bytes
// and a reader that takes 10 bytes per wake-up. Shows the classic edge-triggered bug
// (reading only part of the data, then never being woken again), its fix (read until
// EAGAIN), and EPOLLONESHOT. Uses epoll directly, not our selectors. Chapter 06.
#include <asyncio/file_descriptor.hpp>
#include <asyncio/pipe.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {

// An epoll instance watching the read end of a fresh pipe that holds `bytes` bytes.
struct Setup {
    asyncio::Pipe pipe = asyncio::make_pipe();
    asyncio::FileDescriptor epoll{::epoll_create1(EPOLL_CLOEXEC)};

    Setup(std::uint32_t flags, std::size_t bytes) {
        if (!epoll) asyncio::throw_errno("epoll_create1");
        epoll_event event{};
        event.events = EPOLLIN | flags;
        event.data.fd = pipe.read_end.get();
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, pipe.read_end.get(), &event) != 0) asyncio::throw_errno("epoll_ctl");
        (void)asyncio::write_some(pipe.write_end.get(), std::string(bytes, 'x'));
    }

    // Waits for a wake-up; the wait is short because when none comes, none would come.
    bool woken() {
        epoll_event event{};
        auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(asyncio::scaled(100ms));
        return ::epoll_wait(epoll.get(), &event, 1, static_cast<int>(ms.count()) + 1) == 1;
    }

    std::size_t read_up_to(std::size_t n) {
        char buffer[100];
        return asyncio::read_some(pipe.read_end.get(), std::span(buffer, n)).value_or(0);
    }

    std::size_t left() const {
        int bytes = 0;
        ::ioctl(pipe.read_end.get(), FIONREAD, &bytes);
        return static_cast<std::size_t>(bytes);
    }
};

void level_triggered() {
    fmt::print("level-triggered (what our selectors do), 10 bytes per wake-up:\n");
    Setup s(0, 100);
    int wakeups = 0;
    while (s.woken()) {
        std::size_t const got = s.read_up_to(10);
        fmt::print("  wake-up {}: read {} bytes ({} left)\n", ++wakeups, got, s.left());
    }
    fmt::print("  no more wake-ups: the pipe is empty\n");
}

// region: edge-bug
void edge_triggered_bug() {
    fmt::print("edge-triggered, 10 bytes per wake-up (the bug):\n");
    Setup s(EPOLLET, 100);
    int wakeups = 0;
    for (int round = 0; round < 2; ++round) {
        while (s.woken()) {
            std::size_t const got = s.read_up_to(10);  // the bug: we stop before EAGAIN
            fmt::print("  wake-up {}: read {} bytes ({} left)\n", ++wakeups, got, s.left());
        }
        fmt::print("  no wake-up, with {} bytes waiting: stuck\n", s.left());
        if (round == 0) {
            fmt::print("  one more byte arrives: a new edge\n");
            (void)asyncio::write_some(s.pipe.write_end.get(), "y");
        }
    }
}
// endregion

// region: edge-fix
void edge_triggered_fix() {
    fmt::print("edge-triggered, reading until EAGAIN at every wake-up (the fix):\n");
    Setup s(EPOLLET, 100);
    int wakeups = 0;
    // region: edge-fix-loop
    while (s.woken()) {
        std::size_t total = 0;
        int reads = 0;
        char buffer[10];
        // An edge means "something changed", not "there are N bytes": drain it all.
        while (auto const got = asyncio::read_some(s.pipe.read_end.get(), buffer)) {
            ++reads;
            total += *got;
            if (*got == 0) break;  // end of file
        }
        fmt::print("  wake-up {}: read {} bytes in {} reads, then EAGAIN ({} left)\n",
                   ++wakeups, total, reads, s.left());
    }
    // endregion
    fmt::print("  no more wake-ups: the pipe is empty\n");
}
// endregion

void oneshot() {
    fmt::print("EPOLLONESHOT, 10 bytes per wake-up:\n");
    Setup s(EPOLLONESHOT, 100);
    int wakeups = 0;
    for (int round = 0; round < 2; ++round) {
        if (s.woken()) {
            std::size_t const got = s.read_up_to(10);
            fmt::print("  wake-up {}: read {} bytes ({} left)\n", ++wakeups, got, s.left());
        }
        if (!s.woken()) fmt::print("  no wake-up, with {} bytes waiting: the fd is disarmed\n", s.left());
        if (round == 0) {
            // Re-arm: only now may the next wake-up come (to one thread, if several wait).
            epoll_event event{};
            event.events = EPOLLIN | EPOLLONESHOT;
            event.data.fd = s.pipe.read_end.get();
            ::epoll_ctl(s.epoll.get(), EPOLL_CTL_MOD, s.pipe.read_end.get(), &event);
            fmt::print("  re-armed with EPOLL_CTL_MOD\n");
        }
    }
}

}  // namespace

int main() {
    level_triggered();
    edge_triggered_bug();
    edge_triggered_fix();
    oneshot();
}
