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
    // TODO(poll-selector): Wait in poll(2) for the registered fds; map revents to
    // EVENT_READ and EVENT_WRITE; a closed fd (POLLNVAL) is EBADF.
    (void)timeout;
    throw_todo("ch06", "poll-selector");
}

}  // namespace asyncio::selectors
