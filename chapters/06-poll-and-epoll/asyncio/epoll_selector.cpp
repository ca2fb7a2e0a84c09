// EpollSelector on epoll(7). Chapter 06; the exercise is telling the kernel about each
// change (epoll_ctl) and asking it what is ready (epoll_wait).
#include <asyncio/epoll_selector.hpp>

#include <asyncio/poll_timeout.hpp>
#include <asyncio/todo.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

namespace asyncio::selectors {

namespace {

// Our events as epoll's. Level-triggered: no EPOLLET.
std::uint32_t to_epoll(Events events) {
    std::uint32_t mask = 0;
    if (events & EVENT_READ) mask |= EPOLLIN;
    if (events & EVENT_WRITE) mask |= EPOLLOUT;
    return mask;
}

// Tells the kernel about one fd: EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL.
// Returns 0, or the errno of the failure. ([[maybe_unused]]: the starter does not call it yet.)
[[maybe_unused]] int control(int epoll_fd, int operation, int fd, Events events) {
    epoll_event event{};
    event.events = to_epoll(events);
    event.data.fd = fd;
    return ::epoll_ctl(epoll_fd, operation, fd, &event) == 0 ? 0 : errno;
}

}  // namespace

EpollSelector::EpollSelector() : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw_errno("epoll_create1");
}

SelectorKey EpollSelector::register_(int fd, Events events, std::any data) {
    // TODO(epoll-selector): Record the key (BaseSelector::register_), then add the fd
    // to the epoll instance; undo the record if the kernel refuses.
    (void)fd;
    (void)events;
    (void)data;
    throw_todo("ch06", "epoll-selector");
}

SelectorKey EpollSelector::unregister(int fd) {
    // TODO(epoll-selector): Forget the key, then remove the fd from the epoll instance;
    // an fd that was closed already is not an error.
    (void)fd;
    throw_todo("ch06", "epoll-selector");
}

SelectorKey EpollSelector::modify(int fd, Events events, std::any data) {
    // TODO(epoll-selector): Change the kernel's events for the fd only if they changed
    // (EPOLL_CTL_MOD), then the key.
    (void)fd;
    (void)events;
    (void)data;
    throw_todo("ch06", "epoll-selector");
}

std::vector<ReadyKey> EpollSelector::select(Timeout timeout) {
    // TODO(epoll-selector): Wait in epoll_wait for up to one event per registered fd,
    // and map each event to its key, as PollSelector does.
    (void)timeout;
    throw_todo("ch06", "epoll-selector");
}

void EpollSelector::close() {
    epoll_.reset();
    BaseSelector::close();
}

}  // namespace asyncio::selectors
