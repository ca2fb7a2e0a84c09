// Chapter 11: streams (StreamReader, StreamWriter, start_server), after CPython's
// Lib/test/test_asyncio/test_streams.py. The peer is often a plain socket the test writes
// to itself, so that a reader's tests do not depend on the writer's step. (Never
// `CHECK(co_await x == y)`: g++ 12 runs a co_await inside Catch's macros twice.) Every test runs
// under a 10 s wait_for, so that a step that waits forever fails with TimeoutError
// instead of hanging until CTest's timeout.
#include <testing/catch.hpp>

#include <asyncio/epoll_selector.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/sock.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/streams.hpp>
#include <asyncio/task.hpp>
#include <asyncio/wait_for.hpp>

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;

namespace {

template <class T>
T run_bounded(asyncio::Coro<T> main) {
    return asyncio::run(asyncio::wait_for(std::move(main), 10s));
}

// Writes all of `data` to a non-blocking fd now (it must fit in the socket's buffer).
void send_now(int fd, std::string_view data) {
    while (!data.empty()) {
        std::optional<std::size_t> const put = asyncio::write_some(fd, data);
        REQUIRE(put.has_value());
        data.remove_prefix(*put);
    }
}

// Lets the loop run `n` iterations (every ready callback and task step runs in each).
asyncio::Coro<void> iterations(int n) {
    for (int i = 0; i < n; ++i) co_await asyncio::sleep(0s);
}

// Bytes that say where they are: byte i is 'a' + i % 23, so a lost or repeated piece shows.
std::string pattern(std::size_t size, std::size_t start = 0) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (start + i) % 23);
    return bytes;
}

// A loopback TCP connection: the client's streams and the server's raw socket.
struct TcpPair {
    asyncio::Streams client;
    asyncio::FileDescriptor server;
};

asyncio::Coro<TcpPair> tcp_pair(std::size_t limit = asyncio::stream_limit) {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    asyncio::Streams client = co_await asyncio::open_connection(asyncio::local_port(listener.get()), limit);
    asyncio::FileDescriptor server = co_await asyncio::sock_accept(listener.get());
    co_return TcpPair{std::move(client), std::move(server)};
}

// Makes close() send a reset (RST) instead of an orderly end (FIN).
void reset_on_close(int fd) {
    linger const abortive{1, 0};
    REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive) == 0);
}

}  // namespace

// ---- readuntil and readline ----------------------------------------------------------

TEST_CASE("readuntil returns the bytes up to and including the separator and leaves the rest",
          "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "GET / HTTP/1.1\r\nHost: x\r\n\r\nrest");
        {
            auto const got = co_await reader.readuntil("\r\n");
            CHECK(got == "GET / HTTP/1.1\r\n");
        }
        {
            auto const got = co_await reader.readuntil("\r\n\r\n");
            CHECK(got == "Host: x\r\n\r\n");
        }
        CHECK(reader.buffered() == 4);
        {
            auto const got = co_await reader.read(100);
            CHECK(got == "rest");
        }
    }());
}

TEST_CASE("readuntil finds a separator split across two reads", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "ab\r\n\r");  // the first "\r\n" is not the separator
        auto line = asyncio::create_task(reader.readuntil("\r\n\r\n"));
        while (reader.buffered() < 5) co_await asyncio::sleep(0s);
        co_await iterations(3);  // readuntil has searched what is there, and waits
        if (line.done()) (void)co_await line;  // finished early: its error says why
        REQUIRE_FALSE(line.done());
        send_now(peer.get(), "\ncd");
        {
            auto const got = co_await line;
            CHECK(got == "ab\r\n\r\n");
        }
        {
            auto const got = co_await reader.read(10);
            CHECK(got == "cd");
        }
    }());
}

TEST_CASE("readuntil waits for a line that arrives a byte at a time", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        auto line = asyncio::create_task(reader.readline());
        std::string const text = "hello\n";
        for (std::size_t i = 0; i < text.size(); ++i) {
            co_await iterations(3);
            if (line.done()) (void)co_await line;  // finished early: its error says why
            REQUIRE_FALSE(line.done());
            send_now(peer.get(), text.substr(i, 1));
        }
        {
            auto const got = co_await line;
            CHECK(got == "hello\n");
        }
    }());
}

TEST_CASE("readline returns each line and then what is left at the end of the stream", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "one\ntwo\nthree");
        peer.reset();
        {
            auto const got = co_await reader.readline();
            CHECK(got == "one\n");
        }
        {
            auto const got = co_await reader.readline();
            CHECK(got == "two\n");
        }
        CHECK_FALSE(reader.at_eof());
        {
            auto const got = co_await reader.readline();
            CHECK(got == "three");
        }
        {
            auto const got = co_await reader.readline();
            CHECK(got == "");
        }
        CHECK(reader.at_eof());
    }());
}

TEST_CASE("a peer that closes mid-line makes readuntil raise IncompleteReadError with the partial line",
          "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "partial li");
        peer.reset();
        std::optional<asyncio::IncompleteReadError> error;
        try {
            (void)co_await reader.readuntil("\n");
        } catch (asyncio::IncompleteReadError const& e) {
            error = e;
        }
        REQUIRE(error.has_value());
        CHECK(error->partial() == "partial li");
        CHECK_FALSE(error->expected().has_value());
        CHECK(reader.at_eof());  // the partial bytes were consumed
    }());
}

TEST_CASE("readuntil raises LimitOverrunError when no separator comes within the limit", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine), 16);
        send_now(peer.get(), std::string(100, 'x'));
        peer.reset();  // a readuntil that ignores the limit meets the end instead
        std::optional<std::size_t> consumed;
        try {
            (void)co_await reader.readuntil("\n");
        } catch (asyncio::LimitOverrunError const& e) {
            consumed = e.consumed();
        }
        REQUIRE(consumed.has_value());
        CHECK(*consumed > 16);
        CHECK(reader.buffered() == 100);  // as Python: the data stays in the buffer
    }());
}

TEST_CASE("a line longer than the limit raises LimitOverrunError and the next line reads cleanly",
          "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine), 16);
        // 16 bytes before the separator is within the limit; 17 is not.
        send_now(peer.get(), "0123456789abcdef\n0123456789abcdefg\nok\n");
        {
            auto const got = co_await reader.readline();
            CHECK(got == "0123456789abcdef\n");
        }
        bool overrun = false;
        try {
            (void)co_await reader.readline();
        } catch (asyncio::LimitOverrunError const&) {
            overrun = true;
        }
        CHECK(overrun);
        {
            auto const got = co_await reader.readline();
            CHECK(got == "ok\n");
        }
    }());
}

TEST_CASE("a second read while one is waiting raises RuntimeError", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        auto first = asyncio::create_task(reader.readline());
        co_await iterations(2);
        bool refused = false;
        try {
            (void)co_await reader.readline();
        } catch (asyncio::RuntimeError const&) {
            refused = true;
        }
        CHECK(refused);
        send_now(peer.get(), "line\n");
        {
            auto const got = co_await first;
            CHECK(got == "line\n");
        }
    }());
}

TEST_CASE("a read on a connection the peer reset raises ConnectionResetError", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        TcpPair pair = co_await tcp_pair();
        reset_on_close(pair.server.get());
        pair.server.reset();
        bool reset = false;
        try {
            (void)co_await pair.client.reader.readline();
        } catch (asyncio::ConnectionResetError const& e) {
            reset = e.code().value() == ECONNRESET;
        }
        CHECK(reset);
    }());
}

// ---- readexactly and read --------------------------------------------------------------

TEST_CASE("readexactly waits until it has exactly n bytes and leaves the rest", "[ch11][stream-readexactly]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "01234");
        auto exactly = asyncio::create_task(reader.readexactly(10));
        while (reader.buffered() < 5) co_await asyncio::sleep(0s);
        co_await iterations(3);
        if (exactly.done()) (void)co_await exactly;  // finished early: its error says why
        REQUIRE_FALSE(exactly.done());  // 5 of 10: not yet
        send_now(peer.get(), "56789ABCDE");
        {
            auto const got = co_await exactly;
            CHECK(got == "0123456789");
        }
        CHECK(reader.buffered() == 5);
        {
            auto const got = co_await reader.readexactly(5);
            CHECK(got == "ABCDE");
        }
        {
            auto const got = co_await reader.readexactly(0);
            CHECK(got == "");
        }
    }());
}

TEST_CASE("readexactly at the end of the stream raises IncompleteReadError with the partial bytes",
          "[ch11][stream-readexactly]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "abcde");
        peer.reset();
        std::optional<asyncio::IncompleteReadError> error;
        try {
            (void)co_await reader.readexactly(10);
        } catch (asyncio::IncompleteReadError const& e) {
            error = e;
        }
        REQUIRE(error.has_value());
        CHECK(error->partial() == "abcde");
        CHECK(error->expected() == std::optional<std::size_t>(10));
        CHECK(reader.at_eof());
        {
            auto const got = co_await reader.readexactly(0);
            CHECK(got == "");
        }
    }());
}

TEST_CASE("readexactly reads a large message that arrives in many pieces", "[ch11][stream-readexactly]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine), 1024);  // pauses at 2 KiB
        std::string const message = pattern(100'000);
        auto exactly = asyncio::create_task(reader.readexactly(message.size()));
        std::size_t sent = 0;
        while (sent < message.size()) {  // as fast as the socket takes it
            sent += asyncio::write_some(peer.get(), std::string_view(message).substr(sent)).value_or(0);
            co_await asyncio::sleep(0s);
        }
        {
            auto const got = co_await exactly;
            CHECK(got == message);
        }
    }());
}

TEST_CASE("read returns what is there and read of minus one reads to the end of the stream", "[ch11]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        send_now(peer.get(), "hello");
        {
            auto const got = co_await reader.read(3);
            CHECK(got == "hel");
        }
        {
            auto const got = co_await reader.read(100);
            CHECK(got == "lo");
        }
        send_now(peer.get(), "the rest");
        peer.reset();
        {
            auto const got = co_await reader.read();
            CHECK(got == "the rest");
        }
        {
            auto const got = co_await reader.read();
            CHECK(got == "");
        }
        CHECK(reader.at_eof());
    }());
}

TEST_CASE("a reader that never reads stops reading the socket past twice its limit", "[ch11]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        std::size_t const limit = 4096;
        auto [reader, writer] = asyncio::open_streams(std::move(mine), limit);
        // Fill the socket until the peer cannot write any more and the reader stops reading.
        std::string const block = pattern(64 * 1024);
        std::size_t sent = 0;
        for (int idle = 0; idle < 20;) {
            std::size_t const put = asyncio::write_some(peer.get(), block).value_or(0);
            sent += put;
            idle = put == 0 ? idle + 1 : 0;
            co_await asyncio::sleep(0s);
        }
        CHECK_FALSE(reader.is_reading());
        CHECK(reader.buffered() > 2 * limit);
        CHECK(reader.buffered() <= 2 * limit + 256 * 1024);  // one recv past the mark at most
        peer.reset();
        std::size_t received = 0;
        while (true) {
            std::string const got = co_await reader.read(1000);
            if (got.empty()) break;
            received += got.size();
        }
        CHECK(received == sent);  // reading resumed, and nothing was lost
    }());
}

namespace {

// An epoll selector that counts the changes it makes to the kernel's interest list: one
// epoll_ctl each (a modify that changes nothing makes no system call, see chapter 06).
class CountingSelector : public asyncio::selectors::EpollSelector {
public:
    int changes = 0;
    asyncio::selectors::SelectorKey register_(int fd, asyncio::selectors::Events events, std::any data) override {
        ++changes;
        return EpollSelector::register_(fd, events, std::move(data));
    }
    asyncio::selectors::SelectorKey unregister(int fd) override {
        ++changes;
        return EpollSelector::unregister(fd);
    }
    asyncio::selectors::SelectorKey modify(int fd, asyncio::selectors::Events events, std::any data) override {
        if (get_map().at(fd).events != events) ++changes;
        return EpollSelector::modify(fd, events, std::move(data));
    }
};

// Reads exactly n bytes with read() (not readexactly: this test is not about that step).
asyncio::Coro<std::string> read_n(asyncio::StreamReader& reader, std::size_t n) {
    std::string data;
    while (data.size() < n) {
        std::string const got = co_await reader.read(static_cast<std::ptrdiff_t>(n - data.size()));
        if (got.empty()) break;
        data += got;
    }
    co_return data;
}

}  // namespace

TEST_CASE("an echo over streams keeps one reader per connection instead of adding one per read", "[ch11]") {
    auto selector = std::make_unique<CountingSelector>();
    CountingSelector const& counting = *selector;
    int changes_during_echo = -1;
    asyncio::run(asyncio::wait_for(
                     [](CountingSelector const& counting, int& changes_during_echo) -> asyncio::Coro<void> {
                         auto [mine, peer] = asyncio::make_socketpair();
                         auto [reader, writer] = asyncio::open_streams(std::move(mine));
                         auto [peer_reader, peer_writer] = asyncio::open_streams(std::move(peer));
                         int const before = counting.changes;  // each end has added its reader once
                         for (int round = 0; round < 100; ++round) {
                             std::string const message = pattern(64, static_cast<std::size_t>(round));
                             writer.write(message);
                             peer_writer.write(co_await read_n(peer_reader, 64));
                             std::string const echo = co_await read_n(reader, 64);
                             REQUIRE(echo == message);
                         }
                         changes_during_echo = counting.changes - before;
                     }(counting, changes_during_echo),
                     10s),
                 std::move(selector));
    // Chapter 08's sock_recv adds and removes a reader for every read that would block:
    // about 400 changes for these 200 reads. A transport keeps its reader.
    CHECK(changes_during_echo == 0);
}

// ---- drain and flow control ------------------------------------------------------------

TEST_CASE("a writer's water marks are asyncio's 64 KiB and 16 KiB", "[ch11]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        CHECK(writer.get_write_buffer_limits() == std::pair<std::size_t, std::size_t>(16 * 1024, 64 * 1024));
        writer.write("small");  // the kernel takes it at once
        CHECK(writer.get_write_buffer_size() == 0);
        {
            auto const got = co_await reader.read(0);
            CHECK(got == "");
        }
    }());
}

TEST_CASE("drain pauses a writer whose peer never reads and its buffer stays bounded", "[ch11][stream-drain]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        int const small = 64 * 1024;
        ::setsockopt(mine.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        std::size_t const chunk = 64 * 1024, high = writer.get_write_buffer_limits().second;
        std::size_t written = 0, most_buffered = 0;
        auto writing = asyncio::create_task([](asyncio::StreamWriter w, std::size_t& written, std::size_t& most,
                                               std::size_t chunk) -> asyncio::Coro<void> {
            std::string const block = pattern(chunk);
            for (int i = 0; i < 64; ++i) {  // 4 MiB: far more than the kernel holds
                w.write(block);
                most = std::max(most, w.get_write_buffer_size());
                co_await w.drain();
                written += block.size();
            }
        }(writer, written, most_buffered, chunk));
        // Until the writer makes no progress for 100 iterations: the peer never reads, so a
        // correct writer waits in drain() from then on.
        for (int idle = 0; idle < 100 && !writing.done();) {
            std::size_t const before = written;
            co_await asyncio::sleep(0s);
            idle = written == before ? idle + 1 : 0;
        }
        if (writing.done()) co_await writing;  // the starter's TODO says which step
        CHECK_FALSE(writing.done());           // paused, as it should be
        CHECK(written < 64 * chunk);
        CHECK(most_buffered <= high + chunk);  // bounded: never much above the high-water mark
        CHECK(writer.get_write_buffer_size() > high);
        co_await asyncio::cancel_and_wait(writing);
    }());
}

TEST_CASE("drain resumes the writer once the reader catches up at the low-water mark", "[ch11][stream-drain]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [reader, writer] = asyncio::open_streams(std::move(mine));
        auto [peer_reader, peer_writer] = asyncio::open_streams(std::move(peer));
        std::size_t const high = 256 * 1024, low = 32 * 1024, chunk = 48 * 1024, chunks = 80;
        writer.set_write_buffer_limits(high, low);
        REQUIRE(writer.get_write_buffer_limits() == std::pair<std::size_t, std::size_t>(low, high));
        int paused = 0;
        std::vector<std::size_t> after_pause;  // the buffer each time a paused drain returned
        auto writing =
            asyncio::create_task([](asyncio::StreamWriter w, int& paused, std::vector<std::size_t>& after,
                                    std::size_t high, std::size_t chunk, std::size_t chunks) -> asyncio::Coro<void> {
                std::exception_ptr error;
                try {
                    for (std::size_t i = 0; i < chunks; ++i) {
                        w.write(pattern(chunk, i * chunk));
                        bool const over = w.get_write_buffer_size() > high;
                        co_await w.drain();
                        if (over) {
                            ++paused;
                            after.push_back(w.get_write_buffer_size());
                        }
                    }
                } catch (...) {
                    error = std::current_exception();
                }
                w.close();  // also when it failed, so that the reader is not left waiting
                if (error) std::rethrow_exception(error);
                co_await w.wait_closed();
            }(writer, paused, after_pause, high, chunk, chunks));
        std::string received;
        while (received.size() < chunk * chunks) {
            std::string const got = co_await peer_reader.read(16 * 1024);
            if (got.empty()) co_await writing;  // the writer failed: its error says why
            REQUIRE_FALSE(got.empty());
            received += got;
            co_await asyncio::sleep(0s);  // a slow reader: let the writer run between reads
        }
        co_await writing;
        CHECK(received == pattern(chunk * chunks));
        std::string const rest = co_await peer_reader.read();
        CHECK(rest.empty());  // the writer closed
        CHECK(paused > 0);
        for (std::size_t const size : after_pause) CHECK(size <= low);
    }());
}

TEST_CASE("drain after the peer reset the connection raises ConnectionResetError", "[ch11][stream-drain]") {
    run_bounded([]() -> asyncio::Coro<void> {
        TcpPair pair = co_await tcp_pair();
        auto& [reader, writer] = pair.client;
        writer.write("hello");
        co_await writer.drain();
        reset_on_close(pair.server.get());
        pair.server.reset();
        while (!writer.is_closing()) co_await asyncio::sleep(0s);  // the reset has arrived
        std::optional<int> drain_error, write_error;
        try {
            co_await writer.drain();
        } catch (asyncio::ConnectionResetError const& e) {
            drain_error = e.code().value();
        }
        try {
            writer.write("more");
        } catch (asyncio::ConnectionResetError const& e) {
            write_error = e.code().value();
        }
        CHECK(drain_error == std::optional<int>(ECONNRESET));
        CHECK(write_error == std::optional<int>(ECONNRESET));
    }());
}

TEST_CASE("a paused drain raises ConnectionResetError when the peer resets the connection", "[ch11][stream-drain]") {
    run_bounded([]() -> asyncio::Coro<void> {
        TcpPair pair = co_await tcp_pair();
        auto& [reader, writer] = pair.client;
        std::string const block = pattern(64 * 1024);
        while (writer.get_write_buffer_size() <= writer.get_write_buffer_limits().second) {
            writer.write(block);
            co_await asyncio::sleep(0s);
        }
        auto draining = asyncio::create_task(writer.drain());
        co_await iterations(3);
        if (draining.done()) (void)co_await draining;  // finished early: its error says why
        REQUIRE_FALSE(draining.done());  // paused: the peer does not read
        reset_on_close(pair.server.get());
        pair.server.reset();
        bool reset = false;
        try {
            co_await draining;
        } catch (asyncio::ConnectionResetError const&) {
            reset = true;
        }
        CHECK(reset);
        CHECK(writer.get_write_buffer_size() == 0);  // what could not be sent is dropped
    }());
}

TEST_CASE("a writer closed with data still buffered sends all of it before it closes", "[ch11][stream-drain]") {
    run_bounded([]() -> asyncio::Coro<void> {
        auto [mine, peer] = asyncio::make_socketpair();
        auto [peer_reader, peer_writer] = asyncio::open_streams(std::move(peer));
        std::string const message = pattern(2 * 1024 * 1024);
        {
            auto [reader, writer] = asyncio::open_streams(std::move(mine));
            writer.write(message);
            CHECK(writer.get_write_buffer_size() > 0);
            writer.close();
            CHECK(writer.is_closing());
        }  // the last StreamWriter goes: the transport lives on until it has sent everything
        {
            auto const got = co_await peer_reader.read();
            CHECK(got == message);
        }
    }());
}

// ---- start_server ------------------------------------------------------------------------

namespace {

// Echoes lines until the client closes.
asyncio::Coro<void> echo_lines(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
    while (true) {
        std::string const line = co_await reader.readline();
        if (line.empty()) break;
        writer.write(line);
        co_await writer.drain();
    }
}

// echo_lines, counting the handlers that started, ended and were cancelled.
struct Handlers {
    int started = 0, ended = 0, cancelled = 0;
    asyncio::ClientConnected echo() {
        return [this](asyncio::StreamReader reader, asyncio::StreamWriter writer) -> asyncio::Coro<void> {
            ++started;
            try {
                co_await echo_lines(std::move(reader), std::move(writer));
            } catch (asyncio::CancelledError const&) {
                ++cancelled;
                throw;
            }
            ++ended;
        };
    }
};

}  // namespace

TEST_CASE("start_server runs a task per connection that echoes lines", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        asyncio::Server server = co_await asyncio::start_server(echo_lines);
        CHECK(server.is_serving());
        auto first = co_await asyncio::open_connection(server.port());
        auto second = co_await asyncio::open_connection(server.port());
        second.writer.write("two\n");
        first.writer.write("one\n");
        {
            auto const got = co_await first.reader.readline();
            CHECK(got == "one\n");
        }
        {
            auto const got = co_await second.reader.readline();
            CHECK(got == "two\n");
        }
        first.writer.close();
        second.writer.close();
        {
            auto const got = co_await first.reader.read();
            CHECK(got == "");
        }
        server.close();
        co_await server.wait_closed();
        CHECK(server.connections() == 0);
    }());
}

TEST_CASE("a server closed while clients are connected ends its tasks and the clients see EOF",
          "[ch11][stream-readuntil]") {
    Handlers handlers;
    run_bounded([](Handlers& handlers) -> asyncio::Coro<void> {
        asyncio::Server server = co_await asyncio::start_server(handlers.echo());
        std::vector<asyncio::Streams> clients;
        for (int i = 0; i < 3; ++i) clients.push_back(co_await asyncio::open_connection(server.port()));
        while (handlers.started < 3) co_await asyncio::sleep(0s);
        clients[0].writer.write("still here\n");
        {
            auto const got = co_await clients[0].reader.readline();
            CHECK(got == "still here\n");
        }
        server.close();
        CHECK_FALSE(server.is_serving());
        server.close_clients();  // the handlers' readline sees the end of the stream
        co_await server.wait_closed();
        CHECK(server.connections() == 0);
        for (auto& client : clients) {
            {
                auto const got = co_await client.reader.read();
                CHECK(got == "");
            }
            CHECK(client.reader.at_eof());
        }
        bool refused = false;
        try {
            (void)co_await asyncio::open_connection(server.port());
        } catch (std::system_error const& e) {
            refused = e.code().value() == ECONNREFUSED;
        }
        CHECK(refused);
    }(handlers));
    CHECK(handlers.ended == 3);  // each saw the end of its stream and returned
}

TEST_CASE("asyncio run cancels the tasks of a server left open and the clients see EOF", "[ch11][stream-readuntil]") {
    asyncio::FileDescriptor client_fd;
    Handlers handlers;
    run_bounded([](asyncio::FileDescriptor& kept, Handlers& handlers) -> asyncio::Coro<void> {
        asyncio::Server server = co_await asyncio::start_server(handlers.echo());
        auto [reader, writer] = co_await asyncio::open_connection(server.port());
        while (handlers.started < 1) co_await asyncio::sleep(0s);
        co_await iterations(3);  // the handler waits in readline
        kept.reset(::dup(writer.fileno()));
    }(client_fd, handlers));  // run's shutdown cancels the connection's task: its socket closes
    CHECK(handlers.cancelled == 1);
    char byte = 0;
    CHECK(::recv(client_fd.get(), &byte, 1, MSG_DONTWAIT) == 0);  // EOF, not EAGAIN
}

TEST_CASE("serve_forever serves until it is cancelled and then closes the server", "[ch11][stream-readuntil]") {
    run_bounded([]() -> asyncio::Coro<void> {
        asyncio::Server server = co_await asyncio::start_server(echo_lines);
        auto serving = asyncio::create_task(server.serve_forever());
        auto client = co_await asyncio::open_connection(server.port());
        client.writer.write("ping\n");
        {
            auto const got = co_await client.reader.readline();
            CHECK(got == "ping\n");
        }
        client.writer.close();
        while (server.connections() > 0) co_await asyncio::sleep(0s);
        serving.cancel();
        bool cancelled = false;
        try {
            co_await serving;
        } catch (asyncio::CancelledError const&) {
            cancelled = true;
        }
        CHECK(cancelled);
        CHECK_FALSE(server.is_serving());
    }());
}

TEST_CASE("an exception in client_connected goes to the exception handler and closes the connection", "[ch11]") {
    std::vector<std::string> reported;
    asyncio::run([](std::vector<std::string>& reported) -> asyncio::Coro<void> {
        asyncio::get_running_loop().set_exception_handler(
            [&reported](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
                reported.push_back(context.message + ": " + asyncio::describe_exception(context.exception));
            });
        asyncio::Server server = co_await asyncio::start_server(
            [](asyncio::StreamReader, asyncio::StreamWriter writer) -> asyncio::Coro<void> {
                writer.write("bye\n");
                throw std::runtime_error("boom");
                co_return;
            });
        auto client = co_await asyncio::open_connection(server.port());
        std::string const said = co_await client.reader.read();
        CHECK(said == "bye\n");  // what it wrote, then the end
        {
            auto const got = co_await client.reader.read();
            CHECK(got == "");
        }
        server.close();
        co_await server.wait_closed();
        asyncio::get_running_loop().set_exception_handler(nullptr);
    }(reported));
    REQUIRE(reported.size() == 1);
    CHECK(reported[0].find("client_connected") != std::string::npos);
    CHECK(reported[0].find("boom") != std::string::npos);
}
