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
    // BEGIN EXERCISE epoll-selector: Record the key (BaseSelector::register_), then add the fd to the epoll instance; undo the record if the kernel refuses.
    SelectorKey key = BaseSelector::register_(fd, events, std::move(data));
    if (int const error = control(epoll_.get(), EPOLL_CTL_ADD, fd, events)) {
        BaseSelector::unregister(fd);  // keep our map and the kernel's set in agreement
        // EPERM: epoll cannot watch regular files (select and poll call them always ready).
        throw std::system_error(error, std::generic_category(), "epoll_ctl(ADD) for fd " + std::to_string(fd));
    }
    return key;
    // STUB
    // (void)fd;
    // (void)events;
    // (void)data;
    // throw_todo("ch06", "epoll-selector");
    // END EXERCISE
}

SelectorKey EpollSelector::unregister(int fd) {
    // BEGIN EXERCISE epoll-selector: Forget the key, then remove the fd from the epoll instance; an fd that was closed already is not an error.
    SelectorKey key = BaseSelector::unregister(fd);
    int const error = control(epoll_.get(), EPOLL_CTL_DEL, fd, 0);
    // EBADF: the fd was closed already, which removed it from the epoll set (if it was the
    // last fd for its file). ENOENT: its number now belongs to a newer, unregistered file.
    // Either way it is gone from our map, which is what the caller asked for.
    if (error != 0 && error != EBADF && error != ENOENT)
        throw std::system_error(error, std::generic_category(), "epoll_ctl(DEL) for fd " + std::to_string(fd));
    return key;
    // STUB
    // (void)fd;
    // throw_todo("ch06", "epoll-selector");
    // END EXERCISE
}

SelectorKey EpollSelector::modify(int fd, Events events, std::any data) {
    // BEGIN EXERCISE epoll-selector: Change the kernel's events for the fd only if they changed (EPOLL_CTL_MOD), then the key.
    SelectorKey const old = get_key(fd);  // throws std::out_of_range if fd is not registered
    check_events(fd, events);
    if (events != old.events) {
        if (int const error = control(epoll_.get(), EPOLL_CTL_MOD, fd, events)) {
            BaseSelector::unregister(fd);  // as Python: the kernel no longer agrees with the key
            throw std::system_error(error, std::generic_category(), "epoll_ctl(MOD) for fd " + std::to_string(fd));
        }
    }
    return BaseSelector::modify(fd, events, std::move(data));
    // STUB
    // (void)fd;
    // (void)events;
    // (void)data;
    // throw_todo("ch06", "epoll-selector");
    // END EXERCISE
}

std::vector<ReadyKey> EpollSelector::select(Timeout timeout) {
    // BEGIN EXERCISE epoll-selector: Wait in epoll_wait for up to one event per registered fd, and map each event to its key, as PollSelector does.
    check_open();
    // epoll_wait fills a caller's array; it needs room for at least one event even when
    // nothing is registered. The array is kept between calls: allocating (and zeroing)
    // one entry per registered fd on every call would cost O(registered), the very cost
    // epoll exists to avoid.
    std::size_t const wanted = std::max<std::size_t>(fd_to_key_.size(), 1);
    if (ready_buffer_.size() < wanted) ready_buffer_.resize(wanted);
    int const count = ::epoll_wait(epoll_.get(), ready_buffer_.data(), static_cast<int>(wanted), poll_timeout_ms(timeout));
    std::vector<ReadyKey> ready;
    if (count < 0) {
        if (errno == EINTR) return ready;
        throw std::system_error(errno, std::generic_category(), "epoll_wait");
    }
    for (int i = 0; i < count; ++i) {
        epoll_event const& event = ready_buffer_[static_cast<std::size_t>(i)];
        Events events = 0;
        if (event.events & ~EPOLLIN) events |= EVENT_WRITE;  // EPOLLOUT, EPOLLERR, EPOLLHUP
        if (event.events & ~EPOLLOUT) events |= EVENT_READ;  // EPOLLIN, EPOLLERR, EPOLLHUP
        SelectorKey const* key = key_from_fd(event.data.fd);
        if (key != nullptr && (events & key->events) != 0) ready.push_back(ReadyKey{*key, events & key->events});
    }
    return ready;
    // STUB
    // (void)timeout;
    // throw_todo("ch06", "epoll-selector");
    // END EXERCISE
}

void EpollSelector::close() {
    epoll_.reset();
    BaseSelector::close();
}

}  // namespace asyncio::selectors
