// The selector contract: what every selector must do, written once and run against
// SelectSelector (chapter 05), PollSelector and EpollSelector (chapter 06). A chapter
// stamps the test cases for one selector with COURSE_SELECTOR_CONTRACT(Type, "Name", tags).
#pragma once

#include <testing/catch.hpp>

#include <asyncio/base_selector.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/pipe.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/socket.hpp>

#include <sys/resource.h>
#include <sys/time.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

namespace testing::contract {

using namespace std::chrono_literals;
using asyncio::selectors::EVENT_READ;
using asyncio::selectors::EVENT_WRITE;
using asyncio::selectors::Events;
using asyncio::selectors::ReadyKey;
using Clock = std::chrono::steady_clock;

// The events select() reported for `fd`, or 0 if it did not report it.
inline Events events_of(std::vector<ReadyKey> const& ready, int fd) {
    for (auto const& [key, events] : ready)
        if (key.fd == fd) return events;
    return 0;
}

// True if `what()` of the exception thrown by `action` mentions `text`.
template <class Exception, class Action>
bool throws_mentioning(Action&& action, std::string const& text) {
    try {
        action();
    } catch (Exception const& error) {
        return std::string(error.what()).find(text) != std::string::npos;
    }
    return false;
}

// A SIGALRM every few milliseconds while it lives, with a handler that does nothing: its
// only effect is to interrupt a blocking system call with EINTR. It repeats because a
// signal that arrives just before select() starts waiting would be missed.
class RepeatingAlarm {
public:
    explicit RepeatingAlarm(std::chrono::microseconds period) {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;  // no SA_RESTART (select, poll and epoll_wait ignore it anyway)
        sigaction(SIGALRM, &action, &old_action_);
        itimerval timer{};
        timer.it_value.tv_usec = static_cast<suseconds_t>(period.count());
        timer.it_interval = timer.it_value;
        setitimer(ITIMER_REAL, &timer, nullptr);
    }
    ~RepeatingAlarm() {
        itimerval off{};
        setitimer(ITIMER_REAL, &off, nullptr);
        sigaction(SIGALRM, &old_action_, nullptr);
    }
    RepeatingAlarm(RepeatingAlarm const&) = delete;
    RepeatingAlarm& operator=(RepeatingAlarm const&) = delete;

private:
    struct sigaction old_action_ {};
};

template <class Selector>
void keeps_keys_like_python() {
    Selector selector;
    auto pipe = asyncio::make_pipe();
    int const fd = pipe.read_end.get();

    SECTION("register_ returns the key and get_key and get_map find it") {
        auto const key = selector.register_(fd, EVENT_READ, std::string("reader"));
        CHECK(key.fd == fd);
        CHECK(key.events == EVENT_READ);
        CHECK(std::any_cast<std::string>(key.data) == "reader");
        CHECK(selector.get_key(fd).events == EVENT_READ);
        CHECK(selector.get_map().size() == 1);
        CHECK(selector.get_map().contains(fd));
    }
    SECTION("modify changes the events and the data") {
        selector.register_(fd, EVENT_READ, 1);
        auto const key = selector.modify(fd, EVENT_READ | EVENT_WRITE, 2);
        CHECK(key.events == (EVENT_READ | EVENT_WRITE));
        CHECK(std::any_cast<int>(selector.get_key(fd).data) == 2);
    }
    SECTION("unregister returns the key and forgets the fd") {
        selector.register_(fd, EVENT_READ, 7);
        auto const key = selector.unregister(fd);
        CHECK(std::any_cast<int>(key.data) == 7);
        CHECK(selector.get_map().empty());
        CHECK_THROWS_AS(selector.get_key(fd), std::out_of_range);
        selector.register_(fd, EVENT_WRITE);  // and it can be registered again
        CHECK(selector.get_key(fd).events == EVENT_WRITE);
    }
}

template <class Selector>
void refuses_bad_input_naming_the_fd() {
    Selector selector;
    auto pipe = asyncio::make_pipe();
    int const fd = pipe.read_end.get();
    std::string const fd_text = "fd " + std::to_string(fd);

    SECTION("registering an fd twice") {
        selector.register_(fd, EVENT_READ);
        CHECK(throws_mentioning<std::invalid_argument>([&] { selector.register_(fd, EVENT_WRITE); }, fd_text));
        CHECK(selector.get_key(fd).events == EVENT_READ);  // the first registration stands
    }
    SECTION("unregistering or modifying an fd that is not registered") {
        CHECK(throws_mentioning<std::out_of_range>([&] { selector.unregister(fd); }, fd_text));
        CHECK(throws_mentioning<std::out_of_range>([&] { selector.modify(fd, EVENT_READ); }, fd_text));
        CHECK(throws_mentioning<std::out_of_range>([&] { (void)selector.get_key(fd); }, fd_text));
    }
    SECTION("a negative fd") {
        CHECK(throws_mentioning<std::invalid_argument>([&] { selector.register_(-1, EVENT_READ); }, "-1"));
    }
    SECTION("an empty or unknown event mask") {
        CHECK_THROWS_AS(selector.register_(fd, 0), std::invalid_argument);
        CHECK_THROWS_AS(selector.register_(fd, 4), std::invalid_argument);
        CHECK(selector.get_map().empty());
    }
    SECTION("using the selector after close") {
        selector.register_(fd, EVENT_READ);
        selector.close();
        CHECK(selector.get_map().empty());
        CHECK_THROWS_AS(selector.register_(fd, EVENT_READ), asyncio::RuntimeError);
        CHECK_THROWS_AS(selector.select(0ns), asyncio::RuntimeError);
        selector.close();  // closing twice is harmless
    }
}

template <class Selector>
void reports_ready_fds() {
    Selector selector;
    auto pipe = asyncio::make_pipe();
    int const in = pipe.read_end.get();
    int const out = pipe.write_end.get();

    SECTION("an empty pipe is writable but not readable") {
        selector.register_(in, EVENT_READ);
        selector.register_(out, EVENT_WRITE);
        auto const ready = selector.select(0ns);
        CHECK(events_of(ready, in) == 0);
        CHECK(events_of(ready, out) == EVENT_WRITE);
    }
    SECTION("a pipe with data is readable and the key's data comes back") {
        selector.register_(in, EVENT_READ, std::string("the reader"));
        REQUIRE(asyncio::write_some(out, "x") == 1u);
        auto const ready = selector.select(0ns);
        REQUIRE(ready.size() == 1);
        CHECK(ready[0].key.fd == in);
        CHECK(ready[0].events == EVENT_READ);
        CHECK(std::any_cast<std::string>(ready[0].key.data) == "the reader");
    }
    SECTION("only the events asked for are reported") {
        auto [a, b] = asyncio::make_socketpair();  // a is writable; once b writes, also readable
        selector.register_(a.get(), EVENT_READ);
        CHECK(selector.select(0ns).empty());  // writable, but nobody asked
        REQUIRE(asyncio::write_some(b.get(), "x") == 1u);
        CHECK(events_of(selector.select(0ns), a.get()) == EVENT_READ);
        selector.modify(a.get(), EVENT_READ | EVENT_WRITE);
        CHECK(events_of(selector.select(0ns), a.get()) == (EVENT_READ | EVENT_WRITE));
        selector.modify(a.get(), EVENT_WRITE);
        CHECK(events_of(selector.select(0ns), a.get()) == EVENT_WRITE);
    }
    SECTION("readiness is level-triggered: unread data is reported again") {
        selector.register_(in, EVENT_READ);
        REQUIRE(asyncio::write_some(out, "abc") == 3u);
        for (int i = 0; i < 3; ++i) CHECK(events_of(selector.select(0ns), in) == EVENT_READ);
        char buffer[8];
        REQUIRE(asyncio::read_some(in, buffer) == 3u);
        CHECK(selector.select(0ns).empty());
    }
    SECTION("an unregistered fd is not reported") {
        selector.register_(in, EVENT_READ);
        REQUIRE(asyncio::write_some(out, "x") == 1u);
        selector.unregister(in);
        CHECK(selector.select(0ns).empty());
    }
    SECTION("a hung-up peer makes a reader readable and a writer writable") {
        auto [a, b] = asyncio::make_socketpair();
        selector.register_(a.get(), EVENT_READ | EVENT_WRITE);
        b.reset();  // the peer goes away: a read sees end of file, a write fails with EPIPE
        CHECK(events_of(selector.select(0ns), a.get()) == (EVENT_READ | EVENT_WRITE));
    }
    SECTION("a socket watched for both that is only writable reports only EVENT_WRITE") {
        // The ready events, not the registered ones: its reader must not run.
        auto [a, b] = asyncio::make_socketpair();
        selector.register_(a.get(), EVENT_READ | EVENT_WRITE);
        CHECK(events_of(selector.select(0ns), a.get()) == EVENT_WRITE);
    }
    SECTION("a pipe whose writer closed is readable so that its reader sees end of file") {
        // poll() reports this as POLLHUP alone, without POLLIN: a selector that maps
        // only POLLIN would never wake the reader (CPython's PollSelector maps both).
        selector.register_(in, EVENT_READ);
        pipe.write_end.reset();
        CHECK(events_of(selector.select(0ns), in) == EVENT_READ);
    }
    SECTION("among many idle fds exactly the ready ones are reported") {
        std::vector<asyncio::Pipe> pipes;
        for (int i = 0; i < 50; ++i) {
            pipes.push_back(asyncio::make_pipe());
            selector.register_(pipes.back().read_end.get(), EVENT_READ, i);
        }
        for (int i : {3, 17, 49}) REQUIRE(asyncio::write_some(pipes[i].write_end.get(), "x") == 1u);
        std::vector<int> seen;
        for (auto const& [key, events] : selector.select(0ns)) seen.push_back(std::any_cast<int>(key.data));
        std::sort(seen.begin(), seen.end());
        CHECK(seen == std::vector<int>{3, 17, 49});
    }
}

template <class Selector>
void waits_as_long_as_told() {
    Selector selector;
    auto pipe = asyncio::make_pipe();
    int const in = pipe.read_end.get();
    selector.register_(in, EVENT_READ);

    SECTION("a zero or negative timeout only polls") {
        auto const start = Clock::now();
        CHECK(selector.select(0ns).empty());
        CHECK(selector.select(-5s).empty());
        CHECK(Clock::now() - start < 1s);  // generous: "did not wait for 5 s"
    }
    SECTION("a timeout with nothing ready returns no keys after at least that long") {
        auto const start = Clock::now();
        CHECK(selector.select(30ms).empty());
        CHECK(Clock::now() - start >= 30ms);
    }
    SECTION("a fractional millisecond is rounded up so a deadline is never early") {
        for (auto const timeout : {std::chrono::nanoseconds(300us), std::chrono::nanoseconds(1500us)}) {
            auto const start = Clock::now();
            CHECK(selector.select(timeout).empty());
            CHECK(Clock::now() - start >= timeout);
        }
    }
    SECTION("no timeout waits until an fd is ready") {
        auto const start = Clock::now();  // before the writer starts, which writes 30 ms later or after
        std::jthread writer([out = pipe.write_end.get()] {  // joined even if select() throws
            std::this_thread::sleep_for(30ms);
            (void)asyncio::write_some(out, "x");
        });
        auto const ready = selector.select(std::nullopt);
        writer.join();
        CHECK(events_of(ready, in) == EVENT_READ);
        CHECK(Clock::now() - start >= 30ms);  // it did wait for the writer
    }
    SECTION("a wait interrupted by a signal returns no keys instead of failing") {
        RepeatingAlarm alarm(5ms);
        CHECK(selector.select(std::nullopt).empty());  // without EINTR handling: throws or hangs
    }
}

template <class Selector>
void copes_with_closed_fds() {
    Selector selector;

    SECTION("unregister removes an fd that was closed already") {
        auto pipe = asyncio::make_pipe();
        int const fd = pipe.read_end.get();
        selector.register_(fd, EVENT_READ, 5);
        pipe.read_end.reset();  // closed behind the selector's back
        CHECK(std::any_cast<int>(selector.unregister(fd).data) == 5);
        CHECK(selector.get_map().empty());
        CHECK(selector.select(0ns).empty());
    }
    SECTION("a registered fd closed behind its back is an EBADF error or is forgotten, never ready forever") {
        auto pipe = asyncio::make_pipe();
        int const fd = pipe.read_end.get();
        selector.register_(fd, EVENT_READ);
        pipe.read_end.reset();
        try {
            auto const ready = selector.select(0ns);
            CHECK(events_of(ready, fd) == 0);  // epoll: the kernel dropped it when it closed
        } catch (std::system_error const& error) {
            CHECK(error.code() == std::errc::bad_file_descriptor);  // select and poll: EBADF
        }
        selector.unregister(fd);
    }
    SECTION("the EBADF error says that a registered fd was closed and how to avoid it") {
        // A bare "select: Bad file descriptor" leaves the learner to guess which mistake
        // it was; the lesson promises a message that names it.
        auto pipe = asyncio::make_pipe();
        int const fd = pipe.read_end.get();
        selector.register_(fd, EVENT_READ);
        pipe.read_end.reset();
        std::string message;
        try {
            (void)selector.select(0ns);
        } catch (std::system_error const& error) {
            message = error.what();
        }
        if (std::is_same_v<Selector, asyncio::selectors::SelectSelector>)
            CHECK_FALSE(message.empty());  // select(2) itself fails on a closed fd
        if (!message.empty()) {            // (epoll forgets the fd instead: no error at all)
            INFO("the message: " << message);
            CHECK(message.find("closed") != std::string::npos);
            CHECK(message.find("unregister") != std::string::npos);
        }
        selector.unregister(fd);
    }
}

template <class Selector>
void handles_fd_numbers_up_to_the_limit() {
    Selector selector;
    auto pipe = asyncio::make_pipe();
    REQUIRE(asyncio::write_some(pipe.write_end.get(), "x") == 1u);
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < 1600) {
        limit.rlim_cur = std::min<rlim_t>(1600, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < 1600) COURSE_SKIP("the open-file limit is below 1600, so fd 1500 cannot be made");

    // The highest fd select() can take, and one it cannot: dup2 gives them those numbers.
    asyncio::FileDescriptor last(::dup2(pipe.read_end.get(), FD_SETSIZE - 1));
    asyncio::FileDescriptor high(::dup2(pipe.read_end.get(), 1500));
    REQUIRE(last);
    REQUIRE(high);
    selector.register_(last.get(), EVENT_READ);
    CHECK(events_of(selector.select(0ns), last.get()) == EVENT_READ);
    if constexpr (std::is_same_v<Selector, asyncio::selectors::SelectSelector>) {
        CHECK(throws_mentioning<std::invalid_argument>([&] { selector.register_(high.get(), EVENT_READ); }, "1500"));
        CHECK(throws_mentioning<std::invalid_argument>([&] { selector.register_(high.get(), EVENT_READ); },
                                                        "FD_SETSIZE"));
    } else {
        selector.register_(high.get(), EVENT_READ);  // poll and epoll have no such limit
        CHECK(events_of(selector.select(0ns), high.get()) == EVENT_READ);
    }
}

}  // namespace testing::contract

// Stamps the contract's test cases for one selector type. NAME goes into the test names
// (which must be unique across the course), TAGS are the chapter and step tags. Readiness
// comes first: `./course check` shows the first failing test of a step.
// clang-format off
#define COURSE_SELECTOR_CONTRACT(Selector, NAME, TAGS)                            \
    TEST_CASE(NAME " reports the ready fds with their events", TAGS) {            \
        testing::contract::reports_ready_fds<Selector>();                         \
    }                                                                             \
    TEST_CASE(NAME " waits as long as its timeout says and no less", TAGS) {      \
        testing::contract::waits_as_long_as_told<Selector>();                     \
    }                                                                             \
    TEST_CASE(NAME " keeps its keys like Python's selectors", TAGS) {             \
        testing::contract::keeps_keys_like_python<Selector>();                    \
    }                                                                             \
    TEST_CASE(NAME " refuses bad input with an error that names the fd", TAGS) {  \
        testing::contract::refuses_bad_input_naming_the_fd<Selector>();           \
    }                                                                             \
    TEST_CASE(NAME " copes with fds closed while registered", TAGS) {             \
        testing::contract::copes_with_closed_fds<Selector>();                     \
    }                                                                             \
    TEST_CASE(NAME " handles fd numbers up to its limit", TAGS) {                 \
        testing::contract::handles_fd_numbers_up_to_the_limit<Selector>();        \
    }
// clang-format on
