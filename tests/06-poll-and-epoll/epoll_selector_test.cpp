// Chapter 06: EpollSelector keeps the selector contract (epoll-selector), and what only
// epoll does: its own fd, regular files, and being the default.
#include <testing/catch.hpp>

#include <testing/selector_contract.hpp>

#include <asyncio/default_selector.hpp>
#include <asyncio/epoll_selector.hpp>
#include <asyncio/event_loop.hpp>

#include <fcntl.h>

#include <cstdio>
#include <memory>
#include <type_traits>

COURSE_SELECTOR_CONTRACT(asyncio::selectors::EpollSelector, "EpollSelector", "[ch06][epoll-selector]")

TEST_CASE("EpollSelector refuses a regular file and keeps no key for it", "[ch06][epoll-selector]") {
    asyncio::selectors::EpollSelector selector;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
    REQUIRE(file);
    int const fd = fileno(file.get());
    try {
        selector.register_(fd, asyncio::selectors::EVENT_READ);
        FAIL("epoll accepted a regular file");
    } catch (std::system_error const& error) {
        CHECK(error.code() == std::errc::operation_not_permitted);  // EPERM
        CHECK(std::string(error.what()).find("fd " + std::to_string(fd)) != std::string::npos);
    }
    CHECK(selector.get_map().empty());  // the key was taken back
}

TEST_CASE("EpollSelector owns an epoll fd and closes it when closed", "[ch06][epoll-selector]") {
    asyncio::selectors::EpollSelector selector;
    int const fd = selector.fileno();
    REQUIRE(fd >= 0);
    CHECK(::fcntl(fd, F_GETFD) >= 0);
    CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);  // not inherited by child processes
    selector.close();
    CHECK(::fcntl(fd, F_GETFD) == -1);  // closed
}

TEST_CASE("from chapter 06 on the default selector is epoll", "[ch06]") {
    STATIC_REQUIRE(std::is_same_v<asyncio::selectors::DefaultSelector, asyncio::selectors::EpollSelector>);
}
