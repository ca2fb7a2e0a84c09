// EpollSelector: a selector on Linux's epoll, which keeps the set of watched fds inside
// the kernel (Python's selectors.EpollSelector). Introduced in chapter 06.
#pragma once

#include <asyncio/base_selector.hpp>
#include <asyncio/file_descriptor.hpp>

#include <sys/epoll.h>

#include <vector>

namespace asyncio::selectors {

// register_/modify/unregister tell the kernel once (epoll_ctl); select() then costs
// time in proportion to the number of *ready* fds, not registered ones. Level-triggered,
// like select and poll, so that all three behave the same (chapter 06 shows what
// edge-triggering changes).
// region: epoll-selector
class EpollSelector : public BaseSelector {
public:
    EpollSelector();  // creates the epoll instance; throws std::system_error if it cannot

    SelectorKey register_(int fd, Events events, std::any data = {}) override;
    SelectorKey unregister(int fd) override;
    SelectorKey modify(int fd, Events events, std::any data = {}) override;
    std::vector<ReadyKey> select(Timeout timeout = std::nullopt) override;
    void close() override;

    int fileno() const { return epoll_.get(); }  // the epoll instance's own fd (Python: fileno())

private:
    FileDescriptor epoll_;
    std::vector<epoll_event> ready_buffer_;  // kept between calls: see select()
};
// endregion

}  // namespace asyncio::selectors
