// SelectSelector on select(2). Chapter 05; the exercise is select().
#include <asyncio/select_selector.hpp>

#include <asyncio/todo.hpp>

#include <sys/select.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>

namespace asyncio::selectors {

SelectorKey SelectSelector::register_(int fd, Events events, std::any data) {
    // FD_SET with fd >= FD_SETSIZE writes past the end of the fd_set: refuse it here, with
    // the fd and the way out in the message, instead of corrupting memory later.
    if (fd >= FD_SETSIZE)
        throw std::invalid_argument("fd " + std::to_string(fd) + " is out of range for select(): FD_SETSIZE is " +
                                    std::to_string(FD_SETSIZE) + "; use PollSelector or EpollSelector (chapter 06)");
    return BaseSelector::register_(fd, events, std::move(data));
}

std::optional<timeval> to_timeval(Timeout timeout) {
    // BEGIN EXERCISE select-selector: Convert the timeout for select(2): std::nullopt for none, never negative, rounded up to whole microseconds.
    if (!timeout) return std::nullopt;
    // timeval counts microseconds: rounding down would turn 1.5 µs into 1 µs, and 0.3 µs
    // into 0, a poll, so a loop waiting for a timer due in 0.3 µs would wake early, find
    // it not due yet, and ask again.
    auto const us = std::chrono::ceil<std::chrono::microseconds>(std::max(*timeout, std::chrono::nanoseconds(0)));
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(us.count() / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(us.count() % 1'000'000);
    return tv;
    // STUB
    // (void)timeout;
    // throw_todo("ch05", "select-selector");
    // END EXERCISE
}

std::vector<ReadyKey> SelectSelector::select(Timeout timeout) {
    // BEGIN EXERCISE select-selector: Wait in select(2) for the registered fds, then return the ready keys with their events.
    check_open();
    // select() overwrites its sets with the answer, so they are built afresh every call.
    fd_set readers, writers;
    FD_ZERO(&readers);
    FD_ZERO(&writers);
    for (auto const& [fd, key] : fd_to_key_) {
        if (key.events & EVENT_READ) FD_SET(fd, &readers);
        if (key.events & EVENT_WRITE) FD_SET(fd, &writers);
    }
    int const nfds = fd_to_key_.empty() ? 0 : fd_to_key_.rbegin()->first + 1;

    std::optional<timeval> tv = to_timeval(timeout);  // std::nullopt: no time limit
    timeval* const wait = tv ? &*tv : nullptr;

    std::vector<ReadyKey> ready;
    if (::select(nfds, &readers, &writers, nullptr, wait) < 0) {
        if (errno == EINTR) return ready;  // a signal arrived: not an error, just nothing ready
        if (errno == EBADF)
            throw std::system_error(errno, std::generic_category(),
                                    "select: a registered fd is closed (unregister an fd before closing it)");
        throw std::system_error(errno, std::generic_category(), "select");
    }
    for (auto const& [fd, key] : fd_to_key_) {
        Events events = 0;
        if (FD_ISSET(fd, &readers)) events |= EVENT_READ;
        if (FD_ISSET(fd, &writers)) events |= EVENT_WRITE;
        if (events != 0) ready.push_back(ReadyKey{key, events});
    }
    return ready;
    // STUB
    // (void)timeout;
    // throw_todo("ch05", "select-selector");
    // END EXERCISE
}

}  // namespace asyncio::selectors
