// The bookkeeping shared by every selector (Python's _BaseSelectorImpl). Chapter 05.
#include <asyncio/base_selector.hpp>

#include <asyncio/exceptions.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace asyncio::selectors {

void BaseSelector::check_fd(int fd) {
    if (fd < 0) throw std::invalid_argument("invalid file descriptor " + std::to_string(fd) + ": it is negative");
}

void BaseSelector::check_events(int fd, Events events) {
    if (events == 0 || (events & ~(EVENT_READ | EVENT_WRITE)) != 0)
        throw std::invalid_argument("invalid events " + std::to_string(events) + " for fd " + std::to_string(fd) +
                                    ": use EVENT_READ, EVENT_WRITE or both");
}

void BaseSelector::check_open() const {
    if (closed_) throw RuntimeError("the selector is closed");
}

SelectorKey BaseSelector::register_(int fd, Events events, std::any data) {
    check_open();
    check_fd(fd);
    check_events(fd, events);
    if (fd_to_key_.contains(fd)) throw std::invalid_argument("fd " + std::to_string(fd) + " is already registered");
    SelectorKey key{fd, events, std::move(data)};
    fd_to_key_.emplace(fd, key);
    return key;
}

SelectorKey BaseSelector::unregister(int fd) {
    check_open();
    auto const found = fd_to_key_.find(fd);
    if (found == fd_to_key_.end()) throw std::out_of_range("fd " + std::to_string(fd) + " is not registered");
    SelectorKey key = std::move(found->second);
    fd_to_key_.erase(found);
    return key;
}

SelectorKey BaseSelector::modify(int fd, Events events, std::any data) {
    check_open();
    check_events(fd, events);
    auto const found = fd_to_key_.find(fd);
    if (found == fd_to_key_.end()) throw std::out_of_range("fd " + std::to_string(fd) + " is not registered");
    found->second.events = events;
    found->second.data = std::move(data);
    return found->second;
}

void BaseSelector::close() {
    fd_to_key_.clear();
    closed_ = true;
}

SelectorKey BaseSelector::get_key(int fd) const {
    check_open();
    auto const found = fd_to_key_.find(fd);
    if (found == fd_to_key_.end()) throw std::out_of_range("fd " + std::to_string(fd) + " is not registered");
    return found->second;
}

SelectorKey const* BaseSelector::key_from_fd(int fd) const {
    auto const found = fd_to_key_.find(fd);
    return found == fd_to_key_.end() ? nullptr : &found->second;
}

}  // namespace asyncio::selectors
