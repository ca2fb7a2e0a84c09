// slow_callback.cpp: debug mode finds what blocks the loop. One callback and one task
// step each block the loop's only thread for 150 ms (a blocking call where an await
// belonged); in debug mode the loop times every callback and step, and reports both,
// naming the callback's line and the task's name, coroutine and creation site. The
// same wait written as `co_await asyncio::sleep` is not reported: the loop ran other
// things meanwhile. Run it as `./course run 11 slow_callback`. Chapter 11.
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

// region: blocking
asyncio::Coro<std::string> blocking_fetch(std::string url) {
    std::this_thread::sleep_for(150ms);  // the mistake: the whole loop waits with us
    co_return "Data from " + url;
}

asyncio::Coro<std::string> polite_fetch(std::string url) {
    co_await asyncio::sleep(asyncio::scaled(150ms));  // the loop runs others meanwhile
    co_return "Data from " + url;
}
// endregion

asyncio::Coro<void> amain() {
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    // region: debug-on
    loop.set_debug(true);  // or run the program with ASYNCIO_DEBUG=1
    loop.call_soon([] { std::this_thread::sleep_for(150ms); });  // a blocking callback
    auto blocking = asyncio::create_task(blocking_fetch("http://example.com"), "blocking");
    auto polite = asyncio::create_task(polite_fetch("http://example.org"), "polite");
    // endregion
    fmt::print("{}\n{}\n", co_await blocking, co_await polite);
    std::fflush(stdout);
}

}  // namespace

int main() {
    asyncio::EventLoop loop;
    loop.run_until_complete(amain());
    std::fflush(stdout);
    return 0;
}
