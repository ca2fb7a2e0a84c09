// echo.cpp: an echo server and its client on one event loop, over a loopback TCP
// connection, with nothing but add_reader and add_writer. The client sends a large
// message (8 MiB, or the size given as argument); sockets take only what fits in their
// buffers, so both sides must handle partial writes. Chapter 05.
// course-bench:
#include <asyncio/event_loop.hpp>
#include <asyncio/socket.hpp>

#include <fmt/core.h>

#include <sys/socket.h>

#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace {

struct Counts {
    std::size_t calls = 0;    // write_some calls
    std::size_t partial = 0;  // ... that took only part of what was offered
    std::size_t blocked = 0;  // ... that took nothing (EAGAIN)
};

// Tries to send `pending` now; keeps what did not fit. Returns true if all of it went.
bool send_what_fits(int fd, std::string& pending, Counts& counts) {
    if (pending.empty()) return true;
    ++counts.calls;
    auto const put = asyncio::write_some(fd, pending);
    if (!put) ++counts.blocked;
    std::size_t const sent = put.value_or(0);
    if (put && sent < pending.size()) ++counts.partial;
    pending.erase(0, sent);
    return pending.empty();
}

// region: connection
// region: connection-start
// The server's side of one connection: whatever it reads, it sends back. It sends at
// once, and only when a write is partial does it add a writer to send the rest when the
// socket has room again; while too much waits, it stops reading (flow control).
class EchoConnection {
public:
    EchoConnection(asyncio::EventLoop& loop, asyncio::FileDescriptor socket, Counts& counts)
        : loop_(loop), socket_(std::move(socket)), counts_(counts) {
        loop_.add_reader(fd(), [this] { on_readable(); });
    }

private:
    static constexpr std::size_t max_pending = 256 * 1024;

    int fd() const { return socket_.get(); }
    // endregion

    // region: connection-read
    void on_readable() {
        char buffer[16 * 1024];
        auto const got = asyncio::read_some(fd(), buffer);
        if (!got) return;                       // woken, but the data was gone: wait again
        if (*got == 0) client_done_ = true;     // end of file: the client will send no more
        pending_.append(buffer, *got);
        flush();
    }
    // endregion

    // region: connection-flush
    void flush() {
        bool const all_sent = send_what_fits(fd(), pending_, counts_);
        if (!all_sent && !writing_) loop_.add_writer(fd(), [this] { flush(); });
        if (all_sent && writing_) loop_.remove_writer(fd());
        writing_ = !all_sent;
        // Read while the client may send more and we are not too far behind: a client
        // that sends but never reads must not fill our memory (and at end of file, a
        // reader left in place would be woken in every iteration: a busy loop).
        bool const want_to_read = !client_done_ && pending_.size() <= max_pending;
        if (want_to_read && !reading_) loop_.add_reader(fd(), [this] { on_readable(); });
        if (!want_to_read && reading_) loop_.remove_reader(fd());
        reading_ = want_to_read;
        if (all_sent && client_done_) ::shutdown(fd(), SHUT_WR);  // our turn to say "no more"
    }
    // endregion

    // region: connection-members
    asyncio::EventLoop& loop_;
    asyncio::FileDescriptor socket_;
    Counts& counts_;
    std::string pending_;  // read, not yet echoed
    bool reading_ = true;
    bool writing_ = false;
    bool client_done_ = false;
    // endregion
};
// endregion

// The client: sends `message`, reads the echo until the server closes, then compares.
class EchoClient {
public:
    EchoClient(asyncio::EventLoop& loop, asyncio::FileDescriptor socket, std::string message)
        : loop_(loop), socket_(std::move(socket)), message_(std::move(message)), unsent_(message_) {
        // The connection is still being set up: it is writable when it is ready.
        loop_.add_writer(socket_.get(), [this] { on_writable(); });
        loop_.add_reader(socket_.get(), [this] { on_readable(); });
    }

    Counts counts;
    std::string received;

private:
    void on_writable() {
        if (!connected_) {
            if (int const error = asyncio::pending_error(socket_.get()))
                throw std::system_error(error, std::generic_category(), "connect");
            connected_ = true;
        }
        if (send_what_fits(socket_.get(), unsent_, counts)) {
            loop_.remove_writer(socket_.get());
            ::shutdown(socket_.get(), SHUT_WR);  // end of our message: the server sees EOF
        }
    }

    void on_readable() {
        char buffer[64 * 1024];
        auto const got = asyncio::read_some(socket_.get(), buffer);
        if (!got) return;
        if (*got == 0) {  // the server closed its side: the echo is complete
            loop_.remove_reader(socket_.get());
            loop_.stop();
            return;
        }
        received.append(buffer, *got);
    }

    asyncio::EventLoop& loop_;
    asyncio::FileDescriptor socket_;
    std::string message_;
    std::string unsent_;
    bool connected_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    std::size_t const size = argc > 1 ? std::stoul(argv[1]) : std::size_t{8} << 20;
    std::string message(size, '\0');
    for (std::size_t i = 0; i < size; ++i) message[i] = static_cast<char>('a' + i % 26);

    asyncio::EventLoop loop;
    Counts server_counts;
    std::vector<std::unique_ptr<EchoConnection>> connections;

    auto listener = asyncio::listen_on_loopback();
    loop.add_reader(listener.get(), [&] {
        while (auto socket = asyncio::accept_connection(listener.get()))
            connections.push_back(std::make_unique<EchoConnection>(loop, std::move(*socket), server_counts));
    });
    EchoClient client(loop, asyncio::connect_to_loopback(asyncio::local_port(listener.get())), message);

    loop.run_forever();

    fmt::print("client: sent {} bytes in {} write calls ({} partial, {} found the socket full)\n", size,
               client.counts.calls, client.counts.partial, client.counts.blocked);
    fmt::print("server: echoed them in {} write calls ({} partial, {} found the socket full)\n", server_counts.calls,
               server_counts.partial, server_counts.blocked);
    bool const intact = client.received == message;
    fmt::print("client: received {} bytes back, {}\n", client.received.size(), intact ? "intact" : "CORRUPTED");
    loop.remove_reader(listener.get());
    connections.clear();
    loop.close();
    return intact ? 0 : 1;
}
