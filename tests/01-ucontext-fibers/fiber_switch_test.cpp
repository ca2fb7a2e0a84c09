// Chapter 01, step fiber-switch: resume() and yield() transfer control with swapcontext,
// in both directions, with nesting, and with the current fiber tracked per thread.
#include <testing/catch.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>

#include <cstring>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

using asyncio::Fiber;

TEST_CASE("resume runs a fiber until it yields and the next resume continues after the yield",
          "[ch01][fiber-switch]") {
    std::vector<std::string> log;
    Fiber fiber([&] {
        log.push_back("fiber 1");
        Fiber::yield();
        log.push_back("fiber 2");
        Fiber::yield();
        log.push_back("fiber 3");
    });
    fiber.resume();
    log.push_back("main 1");
    fiber.resume();
    log.push_back("main 2");
    fiber.resume();
    REQUIRE(log == std::vector<std::string>{"fiber 1", "main 1", "fiber 2", "main 2", "fiber 3"});
}

TEST_CASE("a fiber is done only after its body has returned", "[ch01][fiber-switch]") {
    Fiber fiber([] { Fiber::yield(); });
    fiber.resume();
    REQUIRE_FALSE(fiber.done());
    fiber.resume();
    REQUIRE(fiber.done());
}

TEST_CASE("two fibers resumed in turn interleave their steps", "[ch01][fiber-switch]") {
    std::string trace;
    auto player = [&trace](char name) {
        return [&trace, name] {
            for (int i = 0; i < 3; ++i) {
                trace += name;
                Fiber::yield();
            }
        };
    };
    Fiber a(player('a'));
    Fiber b(player('b'));
    while (!a.done() || !b.done()) {
        if (!a.done()) a.resume();
        if (!b.done()) b.resume();
    }
    REQUIRE(trace == "ababab");
}

TEST_CASE("a fiber can resume another fiber and gets control back when that one yields", "[ch01][fiber-switch]") {
    std::vector<std::string> log;
    Fiber inner([&] {
        log.push_back("inner 1");
        Fiber::yield();
        log.push_back("inner 2");
    });
    Fiber outer([&] {
        log.push_back("outer 1");
        inner.resume();
        log.push_back("outer 2");
        Fiber::yield();
        inner.resume();
        log.push_back("outer 3");
    });
    outer.resume();
    log.push_back("main 1");
    outer.resume();
    log.push_back("main 2");
    REQUIRE(log == std::vector<std::string>{"outer 1", "inner 1", "outer 2", "main 1", "inner 2", "outer 3", "main 2"});
    REQUIRE(inner.done());
    REQUIRE(outer.done());
}

TEST_CASE("Fiber current names the running fiber at every level of nesting", "[ch01][fiber-switch]") {
    std::vector<Fiber*> seen;
    Fiber* inner_address = nullptr;
    Fiber* outer_address = nullptr;
    Fiber inner([&] {
        seen.push_back(Fiber::current());
        Fiber::yield();
        seen.push_back(Fiber::current());
    });
    Fiber outer([&] {
        seen.push_back(Fiber::current());
        inner.resume();
        seen.push_back(Fiber::current());
        inner.resume();
        seen.push_back(Fiber::current());
    });
    inner_address = &inner;
    outer_address = &outer;
    seen.push_back(Fiber::current());
    outer.resume();
    seen.push_back(Fiber::current());
    REQUIRE(seen == std::vector<Fiber*>{nullptr, outer_address, inner_address, outer_address, inner_address,
                                        outer_address, nullptr});
}

TEST_CASE("resuming a finished fiber throws RuntimeError", "[ch01][fiber-switch]") {
    Fiber fiber([] {});
    fiber.resume();
    REQUIRE(fiber.done());
    REQUIRE_THROWS_AS(fiber.resume(), asyncio::RuntimeError);
}

TEST_CASE("a fiber that resumes itself or its resumer gets RuntimeError", "[ch01][fiber-switch]") {
    int refused = 0;
    Fiber* outer_address = nullptr;
    Fiber inner([&] {
        try {
            outer_address->resume();  // outer is running: it is waiting for us to yield
        } catch (asyncio::RuntimeError const&) {
            ++refused;
        }
        try {
            Fiber::current()->resume();  // ourselves
        } catch (asyncio::RuntimeError const&) {
            ++refused;
        }
    });
    Fiber outer([&] { inner.resume(); });
    outer_address = &outer;
    outer.resume();
    REQUIRE(refused == 2);
    REQUIRE(outer.done());
}

[[gnu::noinline]] int scribble_on_the_stack(int seed) {
    // Uses a few KiB of the caller's stack, where a fiber's frames would be if it
    // (wrongly) shared the resumer's stack.
    volatile unsigned char junk[8192];
    for (std::size_t i = 0; i < sizeof junk; ++i) junk[i] = static_cast<unsigned char>(seed + static_cast<int>(i));
    return junk[seed % sizeof junk];
}

TEST_CASE("a fiber keeps its local variables across yields while the resumer uses its own stack",
          "[ch01][fiber-switch]") {
    long sum_seen = 0;
    Fiber fiber([&] {
        std::vector<int> numbers(100);
        std::iota(numbers.begin(), numbers.end(), 1);
        int local_array[256];
        for (int i = 0; i < 256; ++i) local_array[i] = i;
        for (int round = 0; round < 5; ++round) Fiber::yield();
        sum_seen = std::accumulate(numbers.begin(), numbers.end(), 0L) +
                   std::accumulate(std::begin(local_array), std::end(local_array), 0L);
    });
    int noise = 0;
    while (!fiber.done()) {
        fiber.resume();
        noise += scribble_on_the_stack(noise);
    }
    REQUIRE(sum_seen == 5050 + 255 * 256 / 2);
}

TEST_CASE("a fiber survives ten thousand yields in order", "[ch01][fiber-switch]") {
    int count = 0;
    bool in_order = true;
    Fiber fiber([&] {
        for (int i = 0; i < 10'000; ++i) {
            in_order = in_order && count == i;
            ++count;
            Fiber::yield();
        }
    });
    while (!fiber.done()) fiber.resume();
    REQUIRE(count == 10'000);
    REQUIRE(in_order);
}

TEST_CASE("a fiber can be resumed by main and later by another fiber", "[ch01][fiber-switch]") {
    // The resumer's stack changes between resumes: the switch must not remember the first one.
    std::vector<std::string> log;
    Fiber worker([&] {
        log.push_back("worker started by main");
        Fiber::yield();
        log.push_back("worker resumed by a fiber");
        Fiber::yield();
        log.push_back("worker resumed by main again");
    });
    Fiber helper([&] { worker.resume(); });
    worker.resume();
    helper.resume();
    worker.resume();
    REQUIRE(log == std::vector<std::string>{"worker started by main", "worker resumed by a fiber",
                                            "worker resumed by main again"});
    REQUIRE(worker.done());
}

TEST_CASE("a try block inside a fiber catches its exception across a yield", "[ch01][fiber-switch]") {
    std::string caught;
    Fiber fiber([&] {
        try {
            Fiber::yield();
            throw std::runtime_error("inside");
        } catch (std::runtime_error const& error) {
            caught = error.what();
        }
    });
    fiber.resume();
    fiber.resume();
    REQUIRE(caught == "inside");
    REQUIRE(fiber.done());
}

TEST_CASE("fibers on different threads keep separate current fibers", "[ch01][fiber-switch][threads]") {
    constexpr int thread_count = 2;
    std::vector<int> mismatches(thread_count, -1);
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&mismatches, t] {
            int bad = 0;
            std::vector<std::unique_ptr<Fiber>> fibers;
            for (int i = 0; i < 4; ++i) {
                auto fiber = std::make_unique<Fiber>([&bad, &fibers, i] {
                    for (int round = 0; round < 200; ++round) {
                        if (Fiber::current() != fibers[static_cast<std::size_t>(i)].get()) ++bad;
                        Fiber::yield();
                    }
                });
                fibers.push_back(std::move(fiber));
            }
            for (int round = 0; round <= 200; ++round)
                for (auto& fiber : fibers)
                    if (!fiber->done()) fiber->resume();
            if (Fiber::current() != nullptr) ++bad;
            mismatches[static_cast<std::size_t>(t)] = bad;
        });
    }
    for (auto& thread : threads) thread.join();
    REQUIRE(mismatches == std::vector<int>(thread_count, 0));
}

TEST_CASE("yield outside any fiber throws RuntimeError", "[ch01]") {
    REQUIRE_THROWS_AS(Fiber::yield(), asyncio::RuntimeError);
}

TEST_CASE("Fiber current is null on the thread's own stack", "[ch01]") { REQUIRE(Fiber::current() == nullptr); }
