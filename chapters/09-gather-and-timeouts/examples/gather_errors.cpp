// What gather does with an exception, line for line like python/gather_errors.py: the
// first exception reaches the awaiter at once and the other children go on running;
// with return_exceptions every child's outcome comes back in its slot. Then wait_for
// gives up on a slow worker, which cleans up before TimeoutError arrives. Chapter 09.
#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/time_scale.hpp>
#include <asyncio/wait_for.hpp>

#include <fmt/core.h>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

// region: worker
asyncio::Coro<std::string> worker(std::string name, std::chrono::milliseconds delay, bool fail = false) {
    fmt::print("{} starts\n", name);
    bool cancelled = false;
    try {
        co_await asyncio::sleep(asyncio::scaled(delay));
    } catch (asyncio::CancelledError const&) {
        cancelled = true;
    }
    if (cancelled) {
        fmt::print("{} cancelled, cleaning up\n", name);
        throw asyncio::CancelledError();
    }
    if (fail) throw std::runtime_error(name + " failed");
    fmt::print("{} done\n", name);
    co_return name;
}
// endregion

// region: main
asyncio::Coro<void> amain() {
    try {
        (void)co_await asyncio::gather(worker("a", 200ms), worker("b", 100ms, true));
    } catch (std::runtime_error const& error) {
        fmt::print("gather raised: {}\n", error.what());
    }
    co_await asyncio::sleep(asyncio::scaled(200ms));  // meanwhile "a" finishes: nobody cancelled it

    auto [c, d] = co_await asyncio::gather(asyncio::return_exceptions, worker("c", 100ms), worker("d", 50ms, true));
    for (asyncio::Result<std::string> const* slot : {&c, &d}) {
        try {
            fmt::print("slot: {}\n", slot->get());  // the value, or the exception rethrown
        } catch (std::runtime_error const& error) {
            fmt::print("slot: RuntimeError('{}')\n", error.what());
        }
    }

    try {
        (void)co_await asyncio::wait_for(worker("e", 10s), asyncio::scaled(100ms));
    } catch (asyncio::TimeoutError const&) {
        fmt::print("wait_for raised TimeoutError\n");
    }
}
// endregion

int main() try {
    asyncio::run(amain());
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
