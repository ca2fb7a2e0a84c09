// epoll_pitfalls.cpp: epoll watches *open files*, not fd numbers, and that surprises
// people in three ways: an fd closed while a dup keeps its file open goes on being
// reported; a forked child shares the parent's epoll set; and a closed, reused fd
// number confuses a selector's bookkeeping. Chapter 06.
#include <asyncio/epoll_selector.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/file_descriptor.hpp>
#include <asyncio/pipe.hpp>

#include <fmt/core.h>

#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

namespace {

// The fds epoll reports ready right now, as text: "fd 5" or "nothing".
std::string ready_now(int epoll_fd) {
    epoll_event events[8];
    int const count = ::epoll_wait(epoll_fd, events, 8, 0);
    if (count <= 0) return "nothing";
    std::string text;
    for (int i = 0; i < count; ++i) text += (i ? ", fd " : "fd ") + std::to_string(events[i].data.fd);
    return text;
}

std::string ctl_result(int result) { return result == 0 ? "ok" : std::string(std::strerror(errno)); }

int add(int epoll_fd, int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    return ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

int remove(int epoll_fd, int fd) { return ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr); }

// region: close-with-dup
void close_while_a_dup_lives() {
    fmt::print("1. close() while a dup of the fd lives\n");
    asyncio::FileDescriptor epoll(::epoll_create1(EPOLL_CLOEXEC));
    auto pipe = asyncio::make_pipe();
    int const fd = pipe.read_end.get();
    add(epoll.get(), fd);
    asyncio::FileDescriptor dup(::dup(fd));  // the same open file, under a second number
    pipe.read_end.reset();                   // close fd: the file stays open through the dup
    (void)asyncio::write_some(pipe.write_end.get(), "x");
    fmt::print("   fd {} closed, data written: epoll reports {}\n", fd, ready_now(epoll.get()));
    fmt::print("   EPOLL_CTL_DEL fd {}: {}\n", fd, ctl_result(remove(epoll.get(), fd)));
    fmt::print("   EPOLL_CTL_DEL fd {} (the dup): {}\n", dup.get(), ctl_result(remove(epoll.get(), dup.get())));
    fmt::print("   so it cannot be removed any more, and epoll reports {}\n", ready_now(epoll.get()));
    dup.reset();
    fmt::print("   after the dup is closed too: epoll reports {}\n", ready_now(epoll.get()));
}
// endregion

void fork_shares_the_set() {
    fmt::print("2. fork() shares the epoll set between parent and child\n");
    asyncio::FileDescriptor epoll(::epoll_create1(0));  // no EPOLL_CLOEXEC: like an old program
    auto pipe = asyncio::make_pipe();
    add(epoll.get(), pipe.read_end.get());
    (void)asyncio::write_some(pipe.write_end.get(), "x");
    fmt::print("   parent, before fork: epoll reports {}\n", ready_now(epoll.get()));
    std::fflush(stdout);
    pid_t const child = ::fork();
    if (child == 0) {
        // The child "cleans up" what it thinks is its own copy of the registrations.
        remove(epoll.get(), pipe.read_end.get());
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    fmt::print("   parent, after the child removed the fd from *its* epoll: epoll reports {}\n",
               ready_now(epoll.get()));
}

// region: reused-number
void reused_fd_number() {
    fmt::print("3. an fd closed without remove_reader, and its number reused\n");
    asyncio::EventLoop loop(std::make_unique<asyncio::selectors::EpollSelector>());
    auto old_pipe = asyncio::make_pipe();
    int const fd = old_pipe.read_end.get();
    loop.add_reader(fd, [] { fmt::print("   the old reader runs\n"); });
    old_pipe.read_end.reset();  // the mistake: no remove_reader first; the kernel drops it
    auto new_pipe = asyncio::make_pipe();
    fmt::print("   the new pipe's read end is fd {}{}\n", new_pipe.read_end.get(),
               new_pipe.read_end.get() == fd ? " again" : "");
    // The loop still has a key for this number, with the same events, so add_reader only
    // swaps the callback in the key: nothing tells the kernel about the new file.
    loop.add_reader(new_pipe.read_end.get(), [] { fmt::print("   the new reader runs\n"); });
    (void)asyncio::write_some(new_pipe.write_end.get(), "x");
    loop.call_soon([] {});  // so that run_once only polls
    loop.run_once();
    fmt::print("   data is waiting, yet no reader ran: epoll never heard of the new file\n");
    loop.remove_reader(new_pipe.read_end.get());
}
// endregion

}  // namespace

int main() {
    close_while_a_dup_lives();
    fork_shares_the_set();
    reused_fd_number();
}
