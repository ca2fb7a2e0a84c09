// Chapter 05: callbacks on file descriptors (add-reader): add_reader, add_writer and
// their removal, on every selector in COURSE_SELECTORS_UNDER_TEST.
#include <testing/catch.hpp>

#include <testing/loop_watchdog.hpp>
#include <testing/selectors_under_test.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/pipe.hpp>
#include <asyncio/socket.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A connected pair of loopback TCP sockets: (client, server side).
std::pair<asyncio::FileDescriptor, asyncio::FileDescriptor> tcp_connection() {
    auto listener = asyncio::listen_on_loopback();
    auto client = asyncio::connect_to_loopback(asyncio::local_port(listener.get()));
    for (auto const give_up = Clock::now() + 5s; Clock::now() < give_up; std::this_thread::sleep_for(1ms))
        if (auto server = asyncio::accept_connection(listener.get())) return {std::move(client), std::move(*server)};
    throw std::runtime_error("no connection on the loopback interface within 5 s");
}

}  // namespace

TEMPLATE_TEST_CASE("a reader runs when its pipe has data and not before", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    std::string received;
    loop.add_reader(pipe.read_end.get(), [&] {
        char buffer[64];
        if (auto got = asyncio::read_some(pipe.read_end.get(), buffer)) received.append(buffer, *got);
        loop.stop();
    });
    loop.call_soon([] {});  // something ready, so this iteration only polls
    loop.run_once();
    CHECK(received.empty());

    REQUIRE(asyncio::write_some(pipe.write_end.get(), "hello") == 5u);
    testing::LoopWatchdog watchdog(loop, 10s);
    loop.run_forever();
    CHECK_FALSE(watchdog.fired());
    CHECK(received == "hello");
}

TEMPLATE_TEST_CASE("the loop waits in the selector until a reader's fd is ready", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    int runs = 0;
    loop.add_reader(pipe.read_end.get(), [&] { ++runs; });
    auto const start = Clock::now();  // before the writer starts: it writes 50 ms after this at the earliest
    std::jthread writer([out = pipe.write_end.get()] {  // jthread: joined even if run_once throws
        std::this_thread::sleep_for(50ms);
        (void)asyncio::write_some(out, "x");
    });
    loop.run_once();  // blocks in select() until the writer has written
    writer.join();
    CHECK(runs == 1);
    CHECK(Clock::now() - start >= 50ms);
}

TEMPLATE_TEST_CASE("a reader runs in every iteration while its data stays unread", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    int runs = 0;
    loop.add_reader(pipe.read_end.get(), [&] { ++runs; });  // never reads: level-triggered
    REQUIRE(asyncio::write_some(pipe.write_end.get(), "x") == 1u);
    for (int i = 0; i < 5; ++i) loop.run_once();
    CHECK(runs == 5);
    CHECK(loop.remove_reader(pipe.read_end.get()));
}

TEMPLATE_TEST_CASE("a writer runs while its fd is writable until it is removed", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto sockets = asyncio::make_socketpair();  // its first end is writable at once
    asyncio::FileDescriptor& a = sockets.first;
    int runs = 0;
    loop.add_writer(a.get(), [&] {
        if (++runs == 3) {
            CHECK(loop.remove_writer(a.get()));
            loop.stop();
        }
    });
    testing::LoopWatchdog watchdog(loop, 10s);
    loop.run_forever();
    CHECK_FALSE(watchdog.fired());
    CHECK(runs == 3);
    CHECK_FALSE(loop.remove_writer(a.get()));  // already gone
}

TEMPLATE_TEST_CASE("a reader and a writer of the same fd are independent", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    // Not `auto [a, b] = ...`: clang 14 cannot capture structured bindings in lambdas.
    auto sockets = asyncio::make_socketpair();
    asyncio::FileDescriptor& a = sockets.first;
    asyncio::FileDescriptor& b = sockets.second;
    REQUIRE(asyncio::write_some(b.get(), "x") == 1u);  // a is readable, and writable anyway
    int reads = 0;
    int writes = 0;
    loop.add_reader(a.get(), [&] { ++reads; });
    loop.add_writer(a.get(), [&] { ++writes; });
    loop.run_once();
    CHECK(reads == 1);
    CHECK(writes == 1);

    CHECK(loop.remove_writer(a.get()));
    CHECK_FALSE(loop.remove_writer(a.get()));
    loop.run_once();
    CHECK(reads == 2);
    CHECK(writes == 1);
    CHECK(loop.remove_reader(a.get()));
    CHECK_FALSE(loop.remove_reader(a.get()));
}

TEMPLATE_TEST_CASE("adding a second reader for an fd replaces the first", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    REQUIRE(asyncio::write_some(pipe.write_end.get(), "x") == 1u);
    std::string who;
    asyncio::Handle first = loop.add_reader(pipe.read_end.get(), [&] { who += "first "; });
    asyncio::Handle second = loop.add_reader(pipe.read_end.get(), [&] { who += "second "; });
    loop.run_once();
    CHECK(who == "second ");
    CHECK(first.cancelled());
    CHECK_FALSE(second.cancelled());
}

TEMPLATE_TEST_CASE("cancelling a reader's handle removes the reader", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    REQUIRE(asyncio::write_some(pipe.write_end.get(), "x") == 1u);
    bool ran = false;
    asyncio::Handle reader = loop.add_reader(pipe.read_end.get(), [&] { ran = true; });
    reader.cancel();
    loop.run_once();  // the fd is ready, finds its reader cancelled, and is removed
    CHECK_FALSE(ran);
    CHECK_FALSE(loop.remove_reader(pipe.read_end.get()));
}

TEMPLATE_TEST_CASE("cancelling a writer's handle removes the writer and leaves the reader", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto sockets = asyncio::make_socketpair();  // its first end is writable at once
    asyncio::FileDescriptor& a = sockets.first;
    REQUIRE(asyncio::write_some(sockets.second.get(), "x") == 1u);  // and readable
    int reads = 0;
    bool wrote = false;
    loop.add_reader(a.get(), [&] { ++reads; });
    asyncio::Handle writer = loop.add_writer(a.get(), [&] { wrote = true; });
    writer.cancel();
    loop.run_once();  // the fd is writable, finds its writer cancelled, and removes it
    CHECK_FALSE(wrote);
    CHECK(reads == 1);
    // Skipped but kept, the cancelled writer would stay in the selector, and the loop
    // would wake for it in every iteration for as long as the fd lives.
    CHECK_FALSE(loop.remove_writer(a.get()));
    loop.call_soon([] {});  // something ready, so the next iteration only polls (never hangs)
    loop.run_once();
    CHECK(reads == 2);  // the reader of the same fd is untouched
    CHECK(loop.remove_reader(a.get()));
}

TEMPLATE_TEST_CASE("a reader removed by an earlier callback of the same iteration does not run",
                        "[ch05][add-reader]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto one = asyncio::make_pipe();
    auto two = asyncio::make_pipe();
    REQUIRE(asyncio::write_some(one.write_end.get(), "x") == 1u);
    REQUIRE(asyncio::write_some(two.write_end.get(), "x") == 1u);
    // Both fds are ready in the same iteration. Whichever callback runs first removes the
    // other reader and closes its fd, as a protocol that closes a connection would.
    int runs = 0;
    loop.add_reader(one.read_end.get(), [&] {
        ++runs;
        loop.remove_reader(two.read_end.get());
        two.read_end.reset();
    });
    loop.add_reader(two.read_end.get(), [&] {
        ++runs;
        loop.remove_reader(one.read_end.get());
        one.read_end.reset();
    });
    loop.run_once();
    CHECK(runs == 1);
}

TEMPLATE_TEST_CASE("a peer that closes gives the reader end of file once and it can leave cleanly",
                        "[ch05][add-reader]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    // Not `auto [a, b] = ...`: clang 14 cannot capture structured bindings in lambdas.
    auto sockets = asyncio::make_socketpair();
    asyncio::FileDescriptor& a = sockets.first;
    asyncio::FileDescriptor& b = sockets.second;
    REQUIRE(asyncio::write_some(b.get(), "bye") == 3u);
    b.reset();
    std::string received;
    int runs = 0;
    loop.add_reader(a.get(), [&] {
        ++runs;
        char buffer[64];
        auto const got = asyncio::read_some(a.get(), buffer);
        if (got && *got == 0) {  // end of file: without this removal the loop would spin
            loop.remove_reader(a.get());
            loop.stop();
        } else if (got) {
            received.append(buffer, *got);
        }
    });
    testing::LoopWatchdog watchdog(loop, 10s);
    loop.run_forever();
    CHECK_FALSE(watchdog.fired());
    CHECK(received == "bye");
    CHECK(runs <= 3);
}

TEMPLATE_TEST_CASE("a peer that disconnects mid-write gives the writer a clear error and no spin",
                        "[ch05][add-reader]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto connection = tcp_connection();
    asyncio::FileDescriptor& client = connection.first;
    asyncio::FileDescriptor& server = connection.second;
    std::string const chunk(64 * 1024, 'x');
    std::error_code error;
    int writer_runs = 0;
    loop.add_writer(server.get(), [&] {
        ++writer_runs;
        try {
            (void)asyncio::write_some(server.get(), chunk);
        } catch (std::system_error const& e) {
            error = e.code();
            loop.remove_writer(server.get());
            loop.stop();
        }
    });
    // The client reads a little, then hangs up with most of the data unread.
    loop.add_reader(client.get(), [&] {
        char buffer[1024];
        (void)asyncio::read_some(client.get(), buffer);
        loop.remove_reader(client.get());
        client.reset();
    });
    testing::LoopWatchdog watchdog(loop, 10s);
    loop.run_forever();
    CHECK_FALSE(watchdog.fired());
    CHECK((error == std::errc::broken_pipe || error == std::errc::connection_reset));
    CHECK(writer_runs < 1000);
}

TEMPLATE_TEST_CASE("an fd closed while registered is an error or is dropped and never spins the loop",
                        "[ch05][add-reader]", COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    int const fd = pipe.read_end.get();
    int runs = 0;
    loop.add_reader(fd, [&] { ++runs; });
    pipe.read_end.reset();  // the mistake: closed without remove_reader
    loop.call_soon([&] { loop.stop(); });
    try {
        loop.run_forever();  // epoll: the kernel forgot the fd, so nothing happens
    } catch (std::system_error const& error) {
        CHECK(error.code() == std::errc::bad_file_descriptor);  // select and poll: EBADF
    }
    CHECK(runs == 0);
    CHECK(loop.remove_reader(fd));  // and the loop can still be cleaned up
}

TEMPLATE_TEST_CASE("closing a loop releases the callbacks of its readers and writers", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    auto pipe = asyncio::make_pipe();
    auto resource = std::make_shared<int>(1);
    std::weak_ptr<int> watch = resource;
    loop.add_reader(pipe.read_end.get(), [resource] {});
    loop.add_writer(pipe.write_end.get(), [resource = std::move(resource)] {});
    CHECK_FALSE(watch.expired());
    loop.close();
    CHECK(watch.expired());
    CHECK_FALSE(loop.remove_reader(pipe.read_end.get()));  // a closed loop has nothing to remove
    CHECK_THROWS_AS(loop.add_reader(pipe.read_end.get(), [] {}), asyncio::RuntimeError);
}

TEMPLATE_TEST_CASE("bad fds given to add_reader are refused naming the fd", "[ch05][add-reader]",
                        COURSE_SELECTORS_UNDER_TEST) {
    asyncio::EventLoop loop(std::make_unique<TestType>());
    std::string message;
    try {
        loop.add_reader(-1, [] {});
    } catch (std::invalid_argument const& error) {
        message = error.what();
    }
    CHECK(message.find("-1") != std::string::npos);
    CHECK_FALSE(loop.remove_reader(12345));  // never added: nothing to remove
    CHECK_FALSE(loop.remove_writer(12345));
}
