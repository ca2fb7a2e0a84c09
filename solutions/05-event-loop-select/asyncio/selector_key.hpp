// What a selector stores for each registered fd and reports back when it is ready, in the
// shape of Python's selectors module (EVENT_READ, EVENT_WRITE, SelectorKey). Chapter 05.
#pragma once

#include <any>

namespace asyncio::selectors {

// region: selector-key
// A bit mask of the events to wait for, or that happened.
using Events = unsigned;
inline constexpr Events EVENT_READ = 1u << 0;
inline constexpr Events EVENT_WRITE = 1u << 1;

// Python's SelectorKey also holds the file object; we register plain fds. `data` is
// whatever the user attached: the event loop keeps its reader and writer callbacks there.
struct SelectorKey {
    int fd = -1;
    Events events = 0;
    std::any data;
};

// One entry of select()'s result: the key, and which of its events are ready now
// (always a subset of key.events). Python returns the pair (key, events).
struct ReadyKey {
    SelectorKey key;
    Events events = 0;
};
// endregion

}  // namespace asyncio::selectors
