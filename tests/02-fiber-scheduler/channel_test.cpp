// Chapter 02, step channel: a bounded channel between fibers; send waits while it is
// full, receive waits while it is empty, close ends the stream.
#include <testing/both_switches.hpp>

#include <asyncio/channel.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/scheduler.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

SWITCH_TEST(channel_fifo, "a channel delivers items in the order they were sent", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(2);
    std::vector<int> received;
    scheduler.spawn([&] {
        for (int i = 0; i < 10; ++i) channel.send(i);
        channel.close();
    });
    scheduler.spawn([&] {
        while (auto item = channel.receive()) received.push_back(*item);
    });
    scheduler.run();
    REQUIRE(received == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

SWITCH_TEST(send_waits_when_full, "send waits while the channel is full", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(2);
    std::vector<std::string> log;
    scheduler.spawn([&] {
        for (int i = 0; i < 4; ++i) {
            channel.send(i);
            log.push_back("sent " + std::to_string(i));
        }
    });
    scheduler.spawn([&] {
        // Runs after the producer has filled the channel and parked on item 2.
        REQUIRE(channel.size() == 2);
        for (int i = 0; i < 4; ++i) {
            auto item = channel.receive();
            log.push_back("received " + std::to_string(*item));
            Scheduler::yield();
        }
    });
    scheduler.run();
    REQUIRE(log == std::vector<std::string>{"sent 0", "sent 1", "received 0", "sent 2", "received 1", "sent 3",
                                            "received 2", "received 3"});
}

SWITCH_TEST(receive_waits_when_empty, "receive waits while the channel is empty and wakes on send", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<std::string, Scheduler> channel(1);
    std::vector<std::string> log;
    scheduler.spawn([&] {
        log.push_back("consumer waits");
        auto item = channel.receive();
        log.push_back("consumer got " + item.value_or("nothing"));
    });
    scheduler.spawn([&] {
        for (int i = 0; i < 2; ++i) {
            log.push_back("producer busy");
            Scheduler::yield();
        }
        channel.send("hello");
        log.push_back("producer sent");
    });
    scheduler.run();
    REQUIRE(log == std::vector<std::string>{"consumer waits", "producer busy", "producer busy", "producer sent",
                                            "consumer got hello"});
}

SWITCH_TEST(woken_receiver_waits_again, "a receiver woken for an item that another fiber took first waits again",
            "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(1);
    std::optional<int> waiter_got;
    std::optional<int> taker_got;
    scheduler.spawn([&] { waiter_got = channel.receive(); });  // finds the channel empty: waits
    scheduler.spawn([&] {
        channel.send(1);     // wakes the waiter: it is queued behind the taker
        Scheduler::yield();  // the taker runs first and takes the item
        channel.send(2);     // only this one is left for the waiter
    });
    scheduler.spawn([&] { taker_got = channel.receive(); });  // the item is there: no waiting
    scheduler.run();
    // With `if` instead of `while`, the waiter would find the channel empty after its
    // wake-up and return nothing, as if the channel had been closed.
    REQUIRE(taker_got == 1);
    REQUIRE(waiter_got == 2);
}

SWITCH_TEST(woken_sender_waits_again, "a sender woken for a free slot that another fiber filled first waits again",
            "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(1);
    std::size_t most = 0;  // the most items ever seen in the channel
    std::vector<int> received;
    scheduler.spawn([&] {
        channel.send(1);
        channel.send(2);  // full: waits; woken by the receiver, queued behind the filler
        most = std::max(most, channel.size());
    });
    scheduler.spawn([&] {
        for (int i = 0; i < 3; ++i) received.push_back(*channel.receive());
    });
    scheduler.spawn([&] {
        channel.send(3);  // the slot the receiver freed: the waiting sender must wait again
        most = std::max(most, channel.size());
    });
    scheduler.run();
    // With `if` instead of `while`, the woken sender would add its item to a full channel.
    REQUIRE(most <= channel.capacity());
    REQUIRE(received == std::vector<int>{1, 3, 2});
}

SWITCH_TEST(many_producers_consumers, "every item sent by several producers reaches exactly one of several consumers",
            "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(3);
    std::vector<int> seen(300, 0);
    std::vector<typename Scheduler::Handle> producers;
    for (int p = 0; p < 3; ++p) {
        producers.push_back(scheduler.spawn([&, p] {
            for (int i = 0; i < 100; ++i) {
                channel.send(p * 100 + i);
                if (i % 7 == 0) Scheduler::yield();
            }
        }));
    }
    scheduler.spawn([&] {
        for (auto const& producer : producers) Scheduler::join(producer);
        channel.close();
    });
    for (int c = 0; c < 4; ++c) {
        scheduler.spawn([&] {
            while (auto item = channel.receive()) ++seen[static_cast<std::size_t>(*item)];
        });
    }
    scheduler.run();
    REQUIRE(seen == std::vector<int>(300, 1));
}

SWITCH_TEST(close_wakes_receivers, "closing a channel wakes every waiting receiver with nothing", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(1);
    int ended = 0;
    for (int i = 0; i < 3; ++i) {
        scheduler.spawn([&] {
            if (!channel.receive().has_value()) ++ended;
        });
    }
    scheduler.spawn([&] { channel.close(); });
    scheduler.run();
    REQUIRE(ended == 3);
    REQUIRE(channel.closed());
}

SWITCH_TEST(closed_channel_drains, "items sent before close can still be received after it", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(5);
    std::vector<std::optional<int>> got;
    scheduler.spawn([&] {
        channel.send(1);
        channel.send(2);
        channel.close();
    });
    scheduler.spawn([&] {
        for (int i = 0; i < 4; ++i) got.push_back(channel.receive());
    });
    scheduler.run();
    REQUIRE(got == std::vector<std::optional<int>>{1, 2, std::nullopt, std::nullopt});
}

SWITCH_TEST(send_on_closed, "sending on a closed channel throws RuntimeError also to a waiting sender", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(1);
    int refused = 0;
    scheduler.spawn([&] {
        channel.send(1);
        try {
            channel.send(2);  // full: waits, and is woken by close()
        } catch (asyncio::RuntimeError const&) {
            ++refused;
        }
        try {
            channel.send(3);  // closed already
        } catch (asyncio::RuntimeError const&) {
            ++refused;
        }
    });
    scheduler.spawn([&] { channel.close(); });
    scheduler.run();
    REQUIRE(refused == 2);
    REQUIRE(channel.size() == 1);
}

SWITCH_TEST(channel_outside_fiber, "a channel can be filled outside fibers until it is full", "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    Scheduler scheduler;
    asyncio::Channel<int, Scheduler> channel(2);
    channel.send(10);  // no waiting needed: fine on the thread's own stack
    channel.send(20);
    REQUIRE_THROWS_AS(channel.send(30), asyncio::RuntimeError);  // would have to wait
    REQUIRE(channel.size() == 2);
    std::vector<int> got;
    scheduler.spawn([&] {
        while (got.size() < 2) got.push_back(*channel.receive());
    });
    scheduler.run();
    REQUIRE(got == std::vector<int>{10, 20});
}

SWITCH_TEST(channel_deadlock, "a receiver waiting on a channel nobody sends to makes run report a deadlock",
            "[channel]") {
    using Scheduler = asyncio::BasicScheduler<Switch>;
    bool unwound = false;
    {
        // The channel is declared before the scheduler, so it outlives the fibers: the
        // scheduler's destructor unwinds the parked receiver, which then leaves the
        // channel's list of waiters. Whatever fibers use must outlive their scheduler.
        asyncio::Channel<int, Scheduler> channel(1);
        Scheduler scheduler;
        struct SetOnUnwind {
            bool& flag;
            ~SetOnUnwind() { flag = true; }
        };
        scheduler.spawn([&] {
            SetOnUnwind guard{unwound};
            channel.receive();
        });
        REQUIRE_THROWS_AS(scheduler.run(), asyncio::RuntimeError);
    }
    REQUIRE(unwound);
}

TEST_CASE("a channel of capacity zero is refused", "[ch02][channel]") {
    REQUIRE_THROWS_AS(asyncio::Channel<int>(0), std::invalid_argument);
    asyncio::Channel<int> one(1);
    REQUIRE(one.capacity() == 1);
    REQUIRE(one.size() == 0);
    REQUIRE_FALSE(one.closed());
}
