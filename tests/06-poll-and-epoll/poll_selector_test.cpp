// Chapter 06: PollSelector keeps the selector contract (poll-selector).
#include <testing/catch.hpp>

#include <testing/selector_contract.hpp>

#include <asyncio/poll_selector.hpp>
#include <asyncio/poll_timeout.hpp>

#include <climits>

COURSE_SELECTOR_CONTRACT(asyncio::selectors::PollSelector, "PollSelector", "[ch06][poll-selector]")

TEST_CASE("poll timeouts are whole milliseconds rounded up", "[ch06][poll-selector]") {
    using namespace std::chrono_literals;
    using asyncio::selectors::poll_timeout_ms;
    CHECK(poll_timeout_ms(std::nullopt) == -1);
    CHECK(poll_timeout_ms(0ns) == 0);
    CHECK(poll_timeout_ms(-3s) == 0);
    CHECK(poll_timeout_ms(1ns) == 1);
    CHECK(poll_timeout_ms(999us) == 1);
    CHECK(poll_timeout_ms(1ms) == 1);
    CHECK(poll_timeout_ms(1500us) == 2);
    CHECK(poll_timeout_ms(2s) == 2000);
    CHECK(poll_timeout_ms(std::chrono::hours(24 * 365)) == INT_MAX);  // clamped, not wrapped
}

TEST_CASE("PollSelector names the closed fd it finds registered", "[ch06][poll-selector]") {
    asyncio::selectors::PollSelector selector;
    auto pipe = asyncio::make_pipe();
    int const fd = pipe.read_end.get();
    selector.register_(fd, asyncio::selectors::EVENT_READ);
    pipe.read_end.reset();
    std::string message;
    try {
        (void)selector.select(std::chrono::nanoseconds(0));
    } catch (std::system_error const& error) {
        CHECK(error.code() == std::errc::bad_file_descriptor);
        message = error.what();
    }
    CHECK(message.find("fd " + std::to_string(fd)) != std::string::npos);
}
