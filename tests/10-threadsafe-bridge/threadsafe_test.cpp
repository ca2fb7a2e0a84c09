// Chapter 10: call_soon_threadsafe and the waker, after CPython's
// Lib/test/test_asyncio/test_base_events.py (call_soon_threadsafe) and libuv's
// test-async.c: callbacks from other threads run on the loop's thread, in each
// producer's order, none lost, the loop woken from its selector, wake-ups coalesced.
#include <testing/catch.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/waker.hpp>

#include <poll.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

// A loop running in a thread of its own until stopped, as a GUI or a server's main
// thread would run it while other threads submit work.
struct LoopThread {
    asyncio::EventLoop loop;
    std::thread thread;
    std::atomic<bool> started{false};
    LoopThread() {
        thread = std::thread([this] {
            loop.call_soon([this] { started = true; });
            loop.run_forever();
        });
        while (!started) std::this_thread::yield();
    }
    void stop_and_join() {
        if (!thread.joinable()) return;
        loop.call_soon_threadsafe([this] { loop.stop(); });
        thread.join();
    }
    ~LoopThread() { stop_and_join(); }
};

}  // namespace

// ---- waker ---------------------------------------------------------------------------

TEST_CASE("a waker's fd becomes readable on notify and quiet again after drain", "[ch10][waker]") {
    for (char const* kind : {"0", "1"}) {
        INFO("ASYNCIO_SELF_PIPE=" << kind);
        ::setenv("ASYNCIO_SELF_PIPE", kind, 1);
        asyncio::Waker waker;
        CHECK(waker.is_eventfd() == (kind[0] == '0'));
        CHECK_FALSE(readable(waker.fd()));
        waker.notify();
        CHECK(readable(waker.fd()));
        waker.notify();  // twice: still one readable fd, and one drain empties it
        waker.drain();
        CHECK_FALSE(readable(waker.fd()));
        CHECK(waker.writes() == 2);
        ::unsetenv("ASYNCIO_SELF_PIPE");
    }
}

TEST_CASE("a self-pipe waker notified more often than the pipe holds neither blocks nor fails", "[ch10][waker]") {
    ::setenv("ASYNCIO_SELF_PIPE", "1", 1);
    asyncio::Waker waker;
    ::unsetenv("ASYNCIO_SELF_PIPE");
    for (int i = 0; i < 200'000; ++i) waker.notify();  // a pipe holds 64 KiB
    CHECK(readable(waker.fd()));
    waker.drain();
    CHECK_FALSE(readable(waker.fd()));
}

// ---- threadsafe-queue ----------------------------------------------------------------

TEST_CASE("a callback submitted from another thread wakes the loop from its selector and runs on the loop's thread", "[ch10][threadsafe-queue][threads]") {
    LoopThread runner;  // its loop has nothing to do: it waits in select with no timeout
    std::atomic<bool> ran{false};
    std::thread::id ran_on;
    std::this_thread::sleep_for(20ms);  // let it settle into the selector (not needed for correctness)
    runner.loop.call_soon_threadsafe([&] {
        ran_on = std::this_thread::get_id();
        ran = true;
    });
    while (!ran) std::this_thread::yield();  // hangs (and times out) if the loop was not woken
    std::thread::id const loop_thread = runner.thread.get_id();
    runner.stop_and_join();
    CHECK(ran_on == loop_thread);
}

TEST_CASE("eight producers of 100000 callbacks each lose nothing duplicate nothing and keep each producer's order", "[ch10][threadsafe-queue][threads]") {
    constexpr int producers = 8;
    constexpr int per_producer = 100'000;
    std::vector<std::vector<int>> seen(producers);  // touched on the loop's thread only
    {
        LoopThread runner;
        std::vector<std::thread> threads;
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&, p] {
                for (int i = 0; i < per_producer; ++i) runner.loop.call_soon_threadsafe([&seen, p, i] { seen[p].push_back(i); });
            });
        }
        for (auto& t : threads) t.join();
        runner.stop_and_join();  // its stop is queued after every submission above
    }
    for (int p = 0; p < producers; ++p) {
        INFO("producer " << p);
        REQUIRE(seen[p].size() == per_producer);
        bool in_order = true;
        for (int i = 0; i < per_producer; ++i) in_order = in_order && seen[p][i] == i;
        CHECK(in_order);
    }
}

TEST_CASE("a burst of submissions before the loop drains writes to the waker once", "[ch10][threadsafe-queue]") {
    asyncio::EventLoop loop;
    int ran = 0;
    for (int i = 0; i < 1000; ++i) loop.call_soon_threadsafe([&] { ++ran; });
    CHECK(loop.wakeup_writes() == 1);  // coalesced: the loop has not drained yet
    loop.run_once();  // wakes at once, takes the submissions and runs them
    CHECK(ran == 1000);
    loop.call_soon_threadsafe([&] { ++ran; });
    CHECK(loop.wakeup_writes() == 2);  // drained, so the next one writes again
    loop.run_once();
    CHECK(ran == 1001);
}

TEST_CASE("once the loop has taken the submissions its waker is quiet again", "[ch10][threadsafe-queue]") {
    asyncio::EventLoop loop;
    int ran = 0;
    loop.call_soon_threadsafe([&] { ++ran; });
    CHECK(readable(loop.waker().fd()));
    loop.run_once();
    CHECK(ran == 1);
    // Still readable, the next select would return at once, and the loop would spin.
    CHECK_FALSE(readable(loop.waker().fd()));
}

TEST_CASE("call_soon_threadsafe on a closed loop raises RuntimeError", "[ch10][threadsafe-queue]") {
    asyncio::EventLoop loop;
    loop.close();
    CHECK_THROWS_AS(loop.call_soon_threadsafe([] {}), asyncio::RuntimeError);
}

TEST_CASE("submissions the loop never took are reported when it closes", "[ch10][threadsafe-queue]") {
    asyncio::EventLoop loop;
    std::vector<std::string> reports;
    loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& c) { reports.push_back(c.message); });
    loop.call_soon_threadsafe([] {});
    loop.call_soon_threadsafe([] {});
    loop.close();
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].rfind("2 callback(s) submitted with call_soon_threadsafe never ran", 0) == 0);
}

TEST_CASE("a callback from another thread that throws reaches the loop's exception handler and the loop goes on", "[ch10][threadsafe-queue][threads]") {
    std::vector<std::string> reports;
    std::atomic<bool> after{false};
    {
        LoopThread runner;
        runner.loop.call_soon_threadsafe([&] {
            runner.loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& c) {
                reports.push_back(asyncio::describe_exception(c.exception));
            });
        });
        std::thread([&] { runner.loop.call_soon_threadsafe([] { throw std::runtime_error("from a thread"); }); }).join();
        runner.loop.call_soon_threadsafe([&] { after = true; });
        runner.stop_and_join();
    }
    CHECK(after);
    CHECK(reports == std::vector<std::string>{"std::runtime_error: from a thread"});
}

TEST_CASE("call_soon from another thread while the loop runs raises RuntimeError", "[ch10][threads]") {
    LoopThread runner;
    std::string message;
    try {
        runner.loop.call_soon([] {});
    } catch (asyncio::RuntimeError const& error) {
        message = error.what();
    }
    CHECK(message.rfind("Non-thread-safe operation invoked on an event loop other than the current one", 0) == 0);
    CHECK_THROWS_AS(runner.loop.call_later(1s, [] {}), asyncio::RuntimeError);
}
