// poll_timeout: a selector Timeout as the milliseconds that poll(2) and epoll_wait(2)
// take. Introduced in chapter 06, for PollSelector and EpollSelector.
#pragma once

#include <asyncio/base_selector.hpp>
#include <asyncio/todo.hpp>

#include <algorithm>
#include <chrono>
#include <climits>

namespace asyncio::selectors {

// -1 waits for ever, 0 only polls. A fractional millisecond is rounded *up*: 1.5 ms
// becomes 2, and 0.3 ms becomes 1, not 0, so that a loop waiting for a timer that is due
// in 0.3 ms does not wake early, find it not yet due, and spin until it is. Values past
// INT_MAX ms (24.8 days) are clamped; the caller just waits again.
inline int poll_timeout_ms(Timeout timeout) {
    // TODO(poll-selector): Convert the timeout to whole milliseconds for poll(2): -1
    // for none, never negative, rounded up, at most INT_MAX.
    (void)timeout;
    throw_todo("ch06", "poll-selector");
}

}  // namespace asyncio::selectors
