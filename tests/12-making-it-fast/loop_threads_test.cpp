// Chapter 12, step pooled-handle, with threads: a Handle's references may be taken and
// dropped on any thread (call_soon_threadsafe's caller keeps one while the loop runs
// its own), so its count is atomic, and the node goes to the pool of the thread that
// dropped the last reference. Run under ThreadSanitizer by `./course test --tsan`.
// Results are recorded in the threads and checked after join() (Catch2 is not
// thread-safe).
#include <testing/catch.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/handle.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

namespace {

using Pool = asyncio::detail::NodePool<asyncio::detail::HandleNode>;

}  // namespace

TEST_CASE("copies of one handle taken and dropped on four threads at once free its callable exactly once",
          "[ch12][pooled-handle][threads]") {
    auto token = std::make_shared<int>(0);
    std::atomic<int> calls{0};
    asyncio::Handle handle([token, &calls] { calls.fetch_add(1, std::memory_order_relaxed); });
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, copy = handle]() mutable {
            while (!go.load()) std::this_thread::yield();
            for (int i = 0; i < 20'000; ++i) {
                asyncio::Handle more = copy;  // increment...
                asyncio::Handle moved = std::move(more);
            }  // ...and decrement, racing with the other threads
            // (Only copies and drops: running or cancelling a Handle is the loop thread's
            // business, as in Python, and not thread-safe.)
        });
    go = true;
    for (auto& thread : threads) thread.join();
    CHECK(token.use_count() == 2);  // only `handle` is left, and it still holds the callable
    handle.run();
    CHECK(calls.load() == 1);
    handle = asyncio::Handle();
    CHECK(token.use_count() == 1);
}

TEST_CASE("a node whose last handle is dropped on another thread goes to that thread's pool",
          "[ch12][pooled-handle][threads]") {
    std::size_t const here_before = Pool::cached();
    asyncio::Handle handle([] {});
    asyncio::Handle copy = handle;
    REQUIRE(Pool::cached() == here_before);
    handle = asyncio::Handle();  // the thread's copy is the last
    std::size_t there_before = 0, there_after = 0;
    std::thread([&there_before, &there_after, last = std::move(copy)]() mutable {
        there_before = Pool::cached();
        last = asyncio::Handle();
        there_after = Pool::cached();
    }).join();
    CHECK(there_before == 0);
    CHECK(there_after == 1);
    CHECK(Pool::cached() == here_before);  // nothing came back here
}

TEST_CASE("handles of call_soon_threadsafe kept by four submitting threads are freed once on whichever side is last",
          "[ch12][pooled-handle][threads]") {
    asyncio::EventLoop loop;
    auto token = std::make_shared<int>(0);
    constexpr int per_thread = 5'000;
    long ran = 0;  // only the loop's thread touches it
    std::atomic<int> finished{0};
    std::thread runner([&] {
        loop.call_soon([] {});
        loop.run_forever();
    });
    std::vector<std::thread> submitters;
    for (int t = 0; t < 4; ++t)
        submitters.emplace_back([&] {
            std::vector<asyncio::Handle> kept;
            for (int i = 0; i < per_thread; ++i) {
                kept.push_back(loop.call_soon_threadsafe([token, &ran] { ++ran; }));
                if (i % 64 == 0) kept.clear();  // some go before the loop ran them, some after
            }
            kept.clear();
            if (finished.fetch_add(1) == 3) loop.call_soon_threadsafe([&loop] { loop.stop(); });
        });
    for (auto& submitter : submitters) submitter.join();
    runner.join();
    CHECK(ran == 4 * per_thread);
    CHECK(token.use_count() == 1);  // every callable destroyed, none twice (ASan, TSan)
}
