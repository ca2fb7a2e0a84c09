// PollSelector: a selector on poll(2), which takes an array of the fds to watch instead
// of select's fixed-size bit sets (Python's selectors.PollSelector). Chapter 06.
#pragma once

#include <asyncio/base_selector.hpp>

namespace asyncio::selectors {

// No FD_SETSIZE limit, and the kernel's work is proportional to the number of fds
// registered rather than to the highest fd number. But every call still hands the whole
// array to the kernel, which checks every fd in it, ready or not.
// region: poll-selector
class PollSelector : public BaseSelector {
public:
    std::vector<ReadyKey> select(Timeout timeout = std::nullopt) override;
};
// endregion

}  // namespace asyncio::selectors
