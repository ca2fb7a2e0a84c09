// SelectSelector: a selector on select(2), the oldest and most portable way to wait for
// many fds at once (Python's selectors.SelectSelector). Introduced in chapter 05.
#pragma once

#include <asyncio/base_selector.hpp>

#include <sys/time.h>

#include <optional>

namespace asyncio::selectors {

// select() takes fixed-size bit sets of FD_SETSIZE (1024) bits, so it cannot watch an fd
// numbered 1024 or above, however few fds are registered: register_ refuses them.
// Each call scans every fd number up to the highest registered one (chapter 06 measures it).
class SelectSelector : public BaseSelector {
public:
    SelectorKey register_(int fd, Events events, std::any data = {}) override;
    std::vector<ReadyKey> select(Timeout timeout = std::nullopt) override;
};

// region: to-timeval
// The timeout as select(2) takes it: std::nullopt (no limit) stays std::nullopt, a
// negative timeout is zero, and a fraction of a microsecond is rounded *up* (1500 ns is
// 2 µs, 1 ns is 1 µs), so that a caller that waits for a deadline never wakes before it.
std::optional<timeval> to_timeval(Timeout timeout);
// endregion

}  // namespace asyncio::selectors
