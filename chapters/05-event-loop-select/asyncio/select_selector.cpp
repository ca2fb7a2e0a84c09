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
    // TODO(select-selector): Convert the timeout for select(2): std::nullopt for none,
    // never negative, rounded up to whole microseconds.
    (void)timeout;
    throw_todo("ch05", "select-selector");
}

std::vector<ReadyKey> SelectSelector::select(Timeout timeout) {
    // TODO(select-selector): Wait in select(2) for the registered fds, then return the
    // ready keys with their events.
    (void)timeout;
    throw_todo("ch05", "select-selector");
}

}  // namespace asyncio::selectors
