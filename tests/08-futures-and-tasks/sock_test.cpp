#include <testing/catch.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/sock.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/task.hpp>

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr std::size_t chunk_size = 64 * 1024;

// Byte `at` of the stream that client `client` sends: a period of 251 (a prime) is no
// divisor of any chunk size, so a lost, repeated or swapped chunk shows.
char pattern(std::size_t client, std::size_t at) {
    return static_cast<char>(at % 251 + client * 7);
}

// A task per connection: send back what comes, until the client closes its end.
asyncio::Coro<void> echo_connection(asyncio::FileDescriptor connection) {
    std::vector<char> buffer(chunk_size);
    while (std::size_t const got = co_await asyncio::sock_recv(connection.get(), std::span<char>(buffer)))
        co_await asyncio::sock_sendall(connection.get(), std::string_view(buffer.data(), got));
}

asyncio::Coro<void> echo_server(int listener, int clients) {
    std::vector<asyncio::Task<void>> handlers;
    for (int i = 0; i < clients; ++i) {
        asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener);
        handlers.push_back(asyncio::create_task(echo_connection(std::move(connection))));
    }
    for (auto& handler : handlers) co_await handler;
}

asyncio::Coro<void> send_pattern(int fd, std::size_t client, std::size_t total) {
    std::string block(chunk_size, '\0');
    for (std::size_t at = 0; at < total; at += block.size()) {
        block.resize(std::min(chunk_size, total - at));
        for (std::size_t i = 0; i < block.size(); ++i) block[i] = pattern(client, at + i);
        co_await asyncio::sock_sendall(fd, block);
    }
    ::shutdown(fd, SHUT_WR);  // the server sees the end of the stream, and then closes
}

// Sends `total` bytes while reading the echo back (both at once: neither side could send
// 1 MiB before the other reads); returns how many came back intact.
asyncio::Coro<std::size_t> echo_client(std::uint16_t port, std::size_t client, std::size_t total) {
    asyncio::FileDescriptor socket = co_await asyncio::sock_connect(port);
    asyncio::Task<void> sender = asyncio::create_task(send_pattern(socket.get(), client, total));
    std::vector<char> buffer(chunk_size);
    std::size_t received = 0;
    std::size_t intact = 0;
    while (std::size_t const got = co_await asyncio::sock_recv(socket.get(), std::span<char>(buffer))) {
        for (std::size_t i = 0; i < got; ++i) intact += buffer[i] == pattern(client, received + i);
        received += got;
    }
    co_await sender;
    co_return intact;
}

asyncio::Coro<std::vector<std::size_t>> echo_many(int clients, std::size_t bytes_each) {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    asyncio::Task<void> server = asyncio::create_task(echo_server(listener.get(), clients));
    std::vector<asyncio::Task<std::size_t>> tasks;
    for (int client = 0; client < clients; ++client)
        tasks.push_back(asyncio::create_task(echo_client(asyncio::local_port(listener.get()), client, bytes_each)));
    std::vector<std::size_t> intact;
    for (auto& task : tasks) intact.push_back(co_await task);
    co_await server;
    co_return intact;
}

// Lets every task that is ready take a step (each runs in the iteration after it was
// scheduled, before this coroutine's next step): ordering, not waiting for time.
asyncio::Coro<void> let_others_run(int iterations = 3) {
    for (int i = 0; i < iterations; ++i) co_await asyncio::sleep(0s);
}

asyncio::Coro<std::string> round_trip() {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    asyncio::Task<void> server = asyncio::create_task(echo_server(listener.get(), 1));
    asyncio::FileDescriptor socket = co_await asyncio::sock_connect(asyncio::local_port(listener.get()));
    co_await asyncio::sock_sendall(socket.get(), "hello, echo");
    std::string const reply = co_await asyncio::sock_recv(socket.get(), 100);
    socket.reset();
    co_await server;
    co_return reply;
}

}  // namespace

TEST_CASE("an echo server sends back what a client sent it", "[ch08][sock-recv]") {
    CHECK(asyncio::run(round_trip()) == "hello, echo");
}

TEST_CASE("two hundred concurrent echo clients each get their mebibyte back intact", "[ch08][sock-recv]") {
    constexpr int clients = 200;
    constexpr std::size_t bytes_each = 1024 * 1024;
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < 2 * clients + 50) COURSE_SKIP("needs an fd limit of " << 2 * clients + 50 << " (ulimit -n)");
    std::vector<std::size_t> const intact = asyncio::run(echo_many(clients, bytes_each));
    CHECK(intact == std::vector<std::size_t>(clients, bytes_each));
}

namespace {

asyncio::Coro<std::size_t> read_after_close() {
    auto [ours, theirs] = asyncio::make_socketpair();
    theirs.reset();
    char byte = 0;
    co_return co_await asyncio::sock_recv(ours.get(), std::span<char>(&byte, 1));
}

asyncio::Coro<std::string> blocked_read_then_close() {
    auto [ours, theirs] = asyncio::make_socketpair();
    asyncio::Task<std::string> reader = asyncio::create_task(asyncio::sock_recv(ours.get(), 10));
    co_await let_others_run();  // the reader is waiting now: nothing was there to read
    co_await asyncio::sock_sendall(theirs.get(), "last");
    std::string const first = co_await reader;
    asyncio::Task<std::string> second = asyncio::create_task(asyncio::sock_recv(ours.get(), 10));
    co_await let_others_run();
    theirs.reset();
    co_return first + "|" + co_await second;
}

}  // namespace

TEST_CASE("sock_recv reads 0 bytes from a socket whose peer has closed", "[ch08][sock-recv]") {
    CHECK(asyncio::run(read_after_close()) == 0);
}

TEST_CASE("a reader waiting in sock_recv wakes with data and then with the end of the stream", "[ch08][sock-recv]") {
    CHECK(asyncio::run(blocked_read_then_close()) == "last|");
}

namespace {

// Sends until the peer's disappearance stops it; how it stopped.
asyncio::Coro<std::string> send_until_failure(int fd) {
    std::string const block(chunk_size, 'x');
    try {
        while (true) co_await asyncio::sock_sendall(fd, block);
    } catch (std::system_error const& error) {
        co_return error.code() == std::errc::broken_pipe || error.code() == std::errc::connection_reset ? "peer gone"
                                                                                                        : error.what();
    }
}

asyncio::Coro<std::string> client_leaves_mid_download() {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    // The kernel completes the connection before anyone accepts it (it waits in the backlog).
    asyncio::FileDescriptor client = co_await asyncio::sock_connect(asyncio::local_port(listener.get()));
    asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener.get());
    asyncio::Task<std::string> server = asyncio::create_task(send_until_failure(connection.get()));
    std::string some = co_await asyncio::sock_recv(client.get(), 1000);
    client.reset();  // with data unread: the kernel resets the connection
    co_return (some.empty() ? "nothing" : "some bytes") + std::string(", then ") + co_await server;
}

// Reads one message of `size` bytes; how far it got before the stream ended.
asyncio::Coro<std::size_t> read_message(int fd, std::size_t size) {
    std::string message;
    while (message.size() < size) {
        std::string const part = co_await asyncio::sock_recv(fd, size - message.size());
        if (part.empty()) break;
        message += part;
    }
    co_return message.size();
}

asyncio::Coro<std::size_t> client_leaves_mid_upload() {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    // The kernel completes the connection before anyone accepts it (it waits in the backlog).
    asyncio::FileDescriptor client = co_await asyncio::sock_connect(asyncio::local_port(listener.get()));
    asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener.get());
    asyncio::Task<std::size_t> server = asyncio::create_task(read_message(connection.get(), 1000));
    co_await asyncio::sock_sendall(client.get(), std::string(300, 'x'));
    client.reset();
    co_return co_await server;
}

}  // namespace

TEST_CASE("a server sending to a client that disconnects mid-transfer gets a system_error", "[ch08][sock-recv]") {
    std::string const outcome = asyncio::run(client_leaves_mid_download());
    CHECK(outcome == "some bytes, then peer gone");
}

TEST_CASE("a server reading from a client that disconnects mid-message sees the stream end early",
          "[ch08][sock-recv]") {
    CHECK(asyncio::run(client_leaves_mid_upload()) == 300);
}

namespace {

asyncio::Coro<std::string> cancel_blocked_recv() {
    auto [ours, theirs] = asyncio::make_socketpair();
    asyncio::Task<std::string> reader = asyncio::create_task(asyncio::sock_recv(ours.get(), 10));
    co_await let_others_run();
    reader.cancel();
    bool cancelled = false;
    try {
        co_await reader;
    } catch (asyncio::CancelledError const&) {
        cancelled = true;
    }
    // Nothing of the cancelled read is left on the fd...
    bool const reader_left = asyncio::get_running_loop().remove_reader(ours.get());
    // ...and the next read has it to itself: it gets the data.
    co_await asyncio::sock_sendall(theirs.get(), "next");
    std::string const next = co_await asyncio::sock_recv(ours.get(), 10);
    co_return (cancelled ? "cancelled" : "not cancelled") + std::string(reader_left ? ", reader left, " : ", ") + next;
}

asyncio::Coro<bool> cancel_blocked_sendall() {
    auto [ours, theirs] = asyncio::make_socketpair();
    std::string const big(8 * 1024 * 1024, 'x');  // more than a socket buffer holds
    asyncio::Task<void> writer = asyncio::create_task(asyncio::sock_sendall(ours.get(), big));
    co_await let_others_run();
    REQUIRE_FALSE(writer.done());
    writer.cancel();
    try {
        co_await writer;
    } catch (asyncio::CancelledError const&) {
    }
    co_return asyncio::get_running_loop().remove_writer(ours.get());
}

}  // namespace

TEST_CASE("cancelling a task blocked in sock_recv removes its reader and the next read works", "[ch08][sock-recv]") {
    CHECK(asyncio::run(cancel_blocked_recv()) == "cancelled, next");
}

TEST_CASE("cancelling a task blocked in sock_sendall removes its writer", "[ch08]") {
    CHECK_FALSE(asyncio::run(cancel_blocked_sendall()));
}

namespace {

// Reads in small pieces, letting the loop go round between them, so that the writer
// keeps finding the socket full: its sendall is completed by many partial writes.
asyncio::Coro<std::size_t> read_slowly(int fd, std::size_t expected) {
    std::vector<char> buffer(1500);
    std::size_t received = 0;
    std::size_t intact = 0;
    while (std::size_t const got = co_await asyncio::sock_recv(fd, std::span<char>(buffer))) {
        for (std::size_t i = 0; i < got; ++i) intact += buffer[i] == pattern(3, received + i);
        received += got;
        co_await asyncio::sleep(0s);
    }
    co_return received == expected ? intact : 0;
}

asyncio::Coro<void> send_and_close(asyncio::FileDescriptor connection, std::string const& data) {
    co_await asyncio::sock_sendall(connection.get(), data);
}

asyncio::Coro<std::size_t> sendall_to_slow_reader(std::size_t size) {
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; ++i) data[i] = pattern(3, i);
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    // The kernel completes the connection before anyone accepts it (it waits in the backlog).
    asyncio::FileDescriptor client = co_await asyncio::sock_connect(asyncio::local_port(listener.get()));
    asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener.get());
    // Small buffers, whatever the system's defaults: most of the data must wait for room.
    int const buffer_size = 64 * 1024;
    ::setsockopt(connection.get(), SOL_SOCKET, SO_SNDBUF, &buffer_size, sizeof buffer_size);
    ::setsockopt(client.get(), SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
    asyncio::Task<void> writer = asyncio::create_task(send_and_close(std::move(connection), data));
    std::size_t const intact = co_await read_slowly(client.get(), size);
    co_await writer;
    co_return intact;
}

asyncio::Coro<void> wait_for_connection_refused(std::uint16_t port) {
    (void)co_await asyncio::sock_connect(port);
}

}  // namespace

TEST_CASE("sock_sendall of 4 MiB to a slow reader arrives complete and in order", "[ch08][sock-recv]") {
    constexpr std::size_t size = 4 * 1024 * 1024;
    CHECK(asyncio::run(sendall_to_slow_reader(size)) == size);
}

TEST_CASE("sock_connect to a loopback port nobody listens on throws system_error", "[ch08]") {
    std::uint16_t port = 0;
    {
        asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
        port = asyncio::local_port(listener.get());
    }  // closed: connecting to the port now is refused
    try {
        asyncio::run(wait_for_connection_refused(port));
        FAIL("the connection was not refused");
    } catch (std::system_error const& error) {
        CHECK(error.code() == std::errc::connection_refused);
    }
}

namespace {

asyncio::Coro<std::size_t> wait_forever_in_recv(int fd) {
    std::vector<char> buffer(10);
    co_return co_await asyncio::sock_recv(fd, std::span<char>(buffer));
}

}  // namespace

TEST_CASE("a loop closed while a task waits in sock_recv destroys the task without a leak", "[ch08][sock-recv]") {
    auto [ours, theirs] = asyncio::make_socketpair();
    int reports = 0;
    {
        asyncio::EventLoop loop;
        loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const&) { ++reports; });
        asyncio::Task<std::size_t> task = asyncio::create_task(loop, wait_forever_in_recv(ours.get()));
        loop.call_soon([&loop] { loop.stop(); });
        loop.run_forever();  // the task's first step ran: it waits for the fd now
        REQUIRE_FALSE(task.done());
        loop.close();  // destroys the task's frame: the reader goes with the selector
    }
    CHECK(reports == 1);  // "Task was destroyed but it is pending!"
}
