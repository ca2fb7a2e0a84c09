// BaseSelector: the interface every selector offers (Python's selectors.BaseSelector),
// with the fd-to-key bookkeeping they share (Python's _BaseSelectorImpl). Chapter 05;
// chapter 06 adds PollSelector and EpollSelector beside SelectSelector.
#pragma once

#include <asyncio/selector_key.hpp>

#include <any>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

namespace asyncio::selectors {

// region: timeout
// How long select() may wait: std::nullopt waits until an fd is ready, zero only polls.
using Timeout = std::optional<std::chrono::nanoseconds>;
// endregion

// Errors follow Python, in the C++ standard library's words:
//   bad fd or event mask (Python ValueError)     -> std::invalid_argument
//   fd registered twice (KeyError)               -> std::invalid_argument
//   fd not registered (KeyError)                 -> std::out_of_range, as std::map::at
//   use after close()                            -> asyncio::RuntimeError
//   the OS refused (OSError)                     -> std::system_error with errno
// Every message names the fd.
// region: base-selector
class BaseSelector {
public:
    BaseSelector() = default;
    virtual ~BaseSelector() = default;
    BaseSelector(BaseSelector const&) = delete;  // a selector owns OS state (epoll's fd)
    BaseSelector& operator=(BaseSelector const&) = delete;

    // Starts watching `fd` for `events`, remembering `data` with it. The selector does not
    // own the fd: unregister it before you close it (chapter 06 shows why).
    // Named with a trailing underscore because `register` is a C++ keyword.
    virtual SelectorKey register_(int fd, Events events, std::any data = {});

    // Stops watching `fd` and returns its key. Works even if the fd was already closed.
    virtual SelectorKey unregister(int fd);

    // Changes what `fd` is watched for, and its data.
    virtual SelectorKey modify(int fd, Events events, std::any data = {});

    // Waits until at least one registered fd is ready or the timeout passes, and returns
    // the ready keys. A wait interrupted by a signal (EINTR) returns no keys.
    virtual std::vector<ReadyKey> select(Timeout timeout = std::nullopt) = 0;

    // Forgets every key and releases OS resources; the selector cannot be used again.
    virtual void close();

    SelectorKey get_key(int fd) const;  // throws std::out_of_range if fd is not registered
    std::map<int, SelectorKey> const& get_map() const { return fd_to_key_; }
    bool is_closed() const { return closed_; }

protected:
    // region: base-selector-helpers
    // Checks shared by every selector; each throws the error described above.
    static void check_fd(int fd);
    static void check_events(int fd, Events events);
    void check_open() const;

    // The key of a ready fd, or nullptr if it is not registered (any more): an fd can be
    // reported ready by the OS after the user unregistered it.
    SelectorKey const* key_from_fd(int fd) const;

    // Sorted by fd, so the highest registered fd is fd_to_key_.rbegin()->first.
    std::map<int, SelectorKey> fd_to_key_;
    // endregion

private:
    bool closed_ = false;
};
// endregion

}  // namespace asyncio::selectors
