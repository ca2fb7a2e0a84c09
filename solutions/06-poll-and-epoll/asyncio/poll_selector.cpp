// PollSelector on poll(2). Chapter 06; the exercise is select() (and poll_timeout_ms).
#include <asyncio/poll_selector.hpp>

#include <asyncio/poll_timeout.hpp>
#include <asyncio/todo.hpp>

#include <poll.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace asyncio::selectors {

std::vector<ReadyKey> PollSelector::select(Timeout timeout) {
    // BEGIN EXERCISE poll-selector: Wait in poll(2) for the registered fds; map revents to EVENT_READ and EVENT_WRITE; a closed fd (POLLNVAL) is EBADF.
    check_open();
    // Simple first: the array is rebuilt from the keys on every call. That costs as much
    // as what poll() does with it in the kernel anyway (chapter 06 measures both).
    std::vector<pollfd> fds;
    fds.reserve(fd_to_key_.size());
    for (auto const& [fd, key] : fd_to_key_) {
        short events = 0;
        if (key.events & EVENT_READ) events |= POLLIN;
        if (key.events & EVENT_WRITE) events |= POLLOUT;
        fds.push_back(pollfd{fd, events, 0});
    }

    std::vector<ReadyKey> ready;
    if (::poll(fds.data(), fds.size(), poll_timeout_ms(timeout)) < 0) {
        if (errno == EINTR) return ready;  // a signal: nothing is ready, ask again
        throw std::system_error(errno, std::generic_category(), "poll");
    }
    for (pollfd const& entry : fds) {
        if (entry.revents == 0) continue;
        // poll() reports a closed fd with POLLNVAL instead of failing like select(); as a
        // readiness it would wake its callback in every iteration for ever (a busy loop),
        // so we fail like select() does, naming the fd.
        if (entry.revents & POLLNVAL)
            throw std::system_error(EBADF, std::generic_category(),
                                    "poll: fd " + std::to_string(entry.fd) +
                                        " is registered but closed (unregister an fd before closing it)");
        // As in Python: anything but POLLIN (POLLOUT, POLLERR, POLLHUP) wakes a writer, and
        // anything but POLLOUT wakes a reader, so an error or a hang-up wakes both, and
        // each finds out what happened from its read or write.
        Events events = 0;
        if (entry.revents & ~POLLIN) events |= EVENT_WRITE;
        if (entry.revents & ~POLLOUT) events |= EVENT_READ;
        SelectorKey const* key = key_from_fd(entry.fd);
        if (key != nullptr && (events & key->events) != 0) ready.push_back(ReadyKey{*key, events & key->events});
    }
    return ready;
    // STUB
    // (void)timeout;
    // throw_todo("ch06", "poll-selector");
    // END EXERCISE
}

}  // namespace asyncio::selectors
