// SelectSelector: a selector on select(2), the oldest and most portable way to wait for
// many fds at once (Python's selectors.SelectSelector). Introduced in chapter 05.
#pragma once

#include <asyncio/base_selector.hpp>

namespace asyncio::selectors {

// select() takes fixed-size bit sets of FD_SETSIZE (1024) bits, so it cannot watch an fd
// numbered 1024 or above, however few fds are registered: register_ refuses them.
// Each call scans every fd number up to the highest registered one (chapter 06 measures it).
class SelectSelector : public BaseSelector {
public:
    SelectorKey register_(int fd, Events events, std::any data = {}) override;
    std::vector<ReadyKey> select(Timeout timeout = std::nullopt) override;
};

}  // namespace asyncio::selectors
