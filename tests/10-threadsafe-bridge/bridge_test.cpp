// Chapter 10: ConcurrentFuture, run_coroutine_threadsafe and to_thread, after CPython's
// Lib/test/test_concurrent_futures and test_asyncio/test_tasks.py
// (RunCoroutineThreadsafeTests) and test_threads.py (to_thread).
#include <testing/catch.hpp>

#include <asyncio/concurrent_future.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/executor.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/threadsafe.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

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

asyncio::Coro<int> add_one(int x) {
    co_await asyncio::sleep(0s);
    co_return x + 1;
}

}  // namespace

// ---- concurrent-future ---------------------------------------------------------------

TEST_CASE("a concurrent future's result blocks until another thread sets it", "[ch10][concurrent-future][threads]") {
    asyncio::ConcurrentFuture<std::string> future;
    std::thread producer([future]() mutable {
        std::this_thread::sleep_for(20ms);
        future.set_result("from a thread");
    });
    CHECK(future.result() == "from a thread");  // waits; no sleep on this side
    CHECK(future.done());
    producer.join();
}

TEST_CASE("a concurrent future's result with a timeout raises TimeoutError when nothing comes", "[ch10][concurrent-future]") {
    asyncio::ConcurrentFuture<int> future;
    CHECK_THROWS_AS(future.result(10ms), asyncio::TimeoutError);
    CHECK_THROWS_AS(future.exception(0ms), asyncio::TimeoutError);
    future.set_result(3);
    CHECK(future.result(0ms) == 3);
    CHECK_FALSE(future.set_result(4));  // done: the first outcome stays
    CHECK(future.result() == 3);
}

TEST_CASE("a concurrent future carries an exception and runs its callbacks in the completing thread", "[ch10][concurrent-future][threads]") {
    asyncio::ConcurrentFuture<int> future;
    std::thread::id called_on;
    std::atomic<int> calls{0};
    bool was_done = false;
    future.add_done_callback([&](asyncio::ConcurrentFuture<int> const& done) {
        called_on = std::this_thread::get_id();
        was_done = done.done();
        ++calls;
    });
    std::thread::id producer_id;
    std::thread producer([&, future]() mutable {
        producer_id = std::this_thread::get_id();
        future.set_exception(std::make_exception_ptr(std::runtime_error("worker failed")));
    });
    producer.join();
    CHECK(calls == 1);
    CHECK(was_done);
    CHECK(called_on == producer_id);
    CHECK_THROWS_WITH(future.result(), "worker failed");
    future.add_done_callback([&](asyncio::ConcurrentFuture<int> const&) { ++calls; });  // done: at once
    CHECK(calls == 2);
}

TEST_CASE("cancelling a pending concurrent future wakes its waiter with CancelledError", "[ch10][concurrent-future][threads]") {
    asyncio::ConcurrentFuture<int> future;
    bool cancelled_it = false;  // Catch's assertions belong to the test's own thread
    std::thread canceller([future, &cancelled_it]() mutable {
        std::this_thread::sleep_for(20ms);
        cancelled_it = future.cancel();
    });
    CHECK_THROWS_AS(future.result(), asyncio::CancelledError);
    canceller.join();
    CHECK(cancelled_it);
    CHECK(future.cancelled());
    CHECK_FALSE(future.cancel());
}

// ---- run-coroutine-threadsafe --------------------------------------------------------

TEST_CASE("run_coroutine_threadsafe runs a coroutine on a loop in another thread and the value comes back", "[ch10][run-coroutine-threadsafe][threads]") {
    LoopThread runner;
    auto future = asyncio::run_coroutine_threadsafe(add_one(41), runner.loop);
    CHECK(future.result(10s) == 42);
}

TEST_CASE("an exception of the coroutine comes back through run_coroutine_threadsafe", "[ch10][run-coroutine-threadsafe][threads]") {
    LoopThread runner;
    auto failing = []() -> asyncio::Coro<int> {
        co_await asyncio::sleep(1ms);
        throw std::runtime_error("failed on the loop");
    };
    auto future = asyncio::run_coroutine_threadsafe(failing(), runner.loop);
    CHECK_THROWS_WITH(future.result(10s), "failed on the loop");
}

TEST_CASE("cancelling the concurrent future cancels the task on the loop", "[ch10][run-coroutine-threadsafe][threads]") {
    LoopThread runner;
    std::atomic<bool> cleaned_up{false};
    asyncio::ConcurrentFuture<bool> started;
    auto slow = [&]() -> asyncio::Coro<int> {
        started.set_result(true);
        try {
            co_await asyncio::sleep(1h);
        } catch (asyncio::CancelledError const&) {
            cleaned_up = true;
            throw;
        }
        co_return 0;
    };
    auto future = asyncio::run_coroutine_threadsafe(slow(), runner.loop);
    started.result(10s);  // the task is running on the loop now
    CHECK(future.cancel());
    CHECK_THROWS_AS(future.result(), asyncio::CancelledError);
    // The task answers the cancel on the loop's thread, soon: wait for it (a cancel
    // that never reaches the task makes this test time out).
    while (!cleaned_up) std::this_thread::yield();
    runner.stop_and_join();
    CHECK(cleaned_up);
}

TEST_CASE("a coroutine whose concurrent future is cancelled before the loop takes it never runs", "[ch10][run-coroutine-threadsafe]") {
    asyncio::EventLoop loop;
    bool ran = false;
    auto body = [&]() -> asyncio::Coro<int> {
        ran = true;
        co_return 1;
    };
    auto future = asyncio::run_coroutine_threadsafe(body(), loop);
    CHECK(future.cancel());
    for (int i = 0; i < 3; ++i) {
        loop.call_soon([] {});  // something ready, so that no iteration waits
        loop.run_once();        // (a task started by mistake would run its step here)
    }
    CHECK_FALSE(ran);
    CHECK(future.cancelled());
    loop.close();
}

TEST_CASE("a submission the loop never started fails its future when the loop closes", "[ch10][run-coroutine-threadsafe]") {
    asyncio::ConcurrentFuture<int> future;
    {
        asyncio::EventLoop loop;  // never runs
        loop.set_exception_handler([](asyncio::EventLoop&, asyncio::ExceptionContext const&) {});
        future = asyncio::run_coroutine_threadsafe(add_one(1), loop);
    }
    REQUIRE(future.done());
    CHECK_THROWS_AS(future.result(), asyncio::RuntimeError);
}

TEST_CASE("waiting for a concurrent future on the loop's own thread raises RuntimeError instead of hanging", "[ch10][run-coroutine-threadsafe]") {
    asyncio::EventLoop loop;
    std::string message;
    auto main = [&]() -> asyncio::Coro<void> {
        auto future = asyncio::run_coroutine_threadsafe(add_one(1), loop);
        try {
            (void)future.result();
        } catch (asyncio::RuntimeError const& error) {
            message = error.what();
        }
        co_return;
    };
    loop.run_until_complete(main());
    CHECK(message.find("would never end") != std::string::npos);
    loop.close();
}

TEST_CASE("ten thousand round trips from four threads all come back while the loop also runs timers", "[ch10][run-coroutine-threadsafe][threads]") {
    LoopThread runner;
    std::atomic<int> ticks{0};
    auto ticker = [&]() -> asyncio::Coro<void> {
        while (true) {
            co_await asyncio::sleep(1ms);
            ++ticks;
        }
    };
    auto ticking = asyncio::run_coroutine_threadsafe(ticker(), runner.loop);
    std::atomic<long> sum{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 2'500; ++i) sum += asyncio::run_coroutine_threadsafe(add_one(t * 10'000 + i), runner.loop).result(30s);
        });
    }
    for (auto& thread : threads) thread.join();
    ticking.cancel();
    long expected = 0;
    for (int t = 0; t < 4; ++t)
        for (int i = 0; i < 2'500; ++i) expected += t * 10'000 + i + 1;
    CHECK(sum == expected);
}

// ---- executor ------------------------------------------------------------------------

TEST_CASE("to_thread runs a blocking call on a worker while other coroutines keep running", "[ch10][executor][threads]") {
    std::vector<std::string> log;
    auto main = [&]() -> asyncio::Coro<void> {
        asyncio::ConcurrentFuture<bool> release;  // the blocking call waits until the loop lets it go
        auto blocking = [release] {
            (void)release.result(30s);
            return std::string("query result");
        };
        auto ticker = [&]() -> asyncio::Coro<void> {
            for (int i = 0; i < 3; ++i) {
                co_await asyncio::sleep(0s);
                log.push_back("tick " + std::to_string(i));
            }
            release.set_result(true);  // only possible if the loop ran while the call blocked
        };
        auto [result, none] = co_await asyncio::gather(asyncio::to_thread(blocking), ticker());
        (void)none;
        log.push_back(result);
    };
    asyncio::run(main());
    CHECK(log == std::vector<std::string>{"tick 0", "tick 1", "tick 2", "query result"});
}

TEST_CASE("an exception thrown on the worker comes out of the co_await", "[ch10][executor][threads]") {
    auto main = []() -> asyncio::Coro<std::string> {
        try {
            (void)co_await asyncio::to_thread([]() -> int { throw std::runtime_error("worker threw"); });
        } catch (std::runtime_error const& error) {
            co_return error.what();
        }
        co_return "nothing";
    };
    CHECK(asyncio::run(main()) == "worker threw");
}

TEST_CASE("an executor runs every queued job before its shutdown returns and refuses new ones", "[ch10][executor][threads]") {
    std::atomic<int> ran{0};
    asyncio::ThreadPoolExecutor executor(1);
    asyncio::ConcurrentFuture<bool> gate;
    executor.submit([&] {
        (void)gate.result(30s);  // the only worker waits: the other 99 stay queued
        ++ran;
    });
    for (int i = 0; i < 99; ++i) executor.submit([&] { ++ran; });
    executor.shutdown(false);  // shutting down with 99 jobs queued
    gate.set_result(true);
    executor.shutdown(true);
    CHECK(ran == 100);
    CHECK_THROWS_AS(executor.submit([] {}), asyncio::RuntimeError);
}

TEST_CASE("a coroutine abandoned by a closing loop fails its concurrent future instead of leaving it pending", "[ch10][run-coroutine-threadsafe]") {
    asyncio::ConcurrentFuture<int> future;
    {
        asyncio::EventLoop loop;
        loop.set_exception_handler([](asyncio::EventLoop&, asyncio::ExceptionContext const&) {});
        auto forever = []() -> asyncio::Coro<int> {
            co_await asyncio::sleep(1h);
            co_return 0;
        };
        future = asyncio::run_coroutine_threadsafe(forever(), loop);
        loop.run_once();  // the task starts and sleeps; then the loop closes with it pending
    }
    REQUIRE(future.done());
    CHECK_THROWS_WITH(future.result(), "run_coroutine_threadsafe: the event loop was closed before the coroutine finished");
}
