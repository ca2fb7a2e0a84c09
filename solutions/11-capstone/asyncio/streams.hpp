// Streams, asyncio's high-level network API: open_connection and start_server give a
// StreamReader (read, readline, readexactly, readuntil) and a StreamWriter (write, drain,
// close) over one TCP connection on 127.0.0.1 (Python: asyncio.streams, on the
// _SelectorSocketTransport of selector_events.py). Chapter 11, on chapter 05's fds,
// chapter 08's futures and tasks.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/file_descriptor.hpp>
#include <asyncio/future.hpp>
#include <asyncio/handle.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace asyncio {

// region: errors
// The end of the stream came before what a read needed (Python: asyncio.IncompleteReadError,
// an EOFError): `partial()` holds the bytes that did arrive, and they are consumed.
struct IncompleteReadError : std::runtime_error {
    IncompleteReadError(std::string partial, std::optional<std::size_t> expected);
    std::string const& partial() const noexcept { return partial_; }
    // The number of bytes readexactly wanted; nullopt for readuntil (unknown).
    std::optional<std::size_t> expected() const noexcept { return expected_; }

private:
    std::string partial_;
    std::optional<std::size_t> expected_;
};

// readuntil found no separator within the reader's limit (Python:
// asyncio.LimitOverrunError). The data stays in the buffer; `consumed()` is how many
// bytes readuntil looked at (Python: `consumed`), to discard them if you wish.
struct LimitOverrunError : std::runtime_error {
    LimitOverrunError(std::string const& message, std::size_t consumed)
        : std::runtime_error(message), consumed_(consumed) {}
    std::size_t consumed() const noexcept { return consumed_; }

private:
    std::size_t consumed_;
};

// The peer has gone: it reset the connection, or stopped reading and closed (Python:
// ConnectionResetError, and BrokenPipeError for EPIPE). A std::system_error, so code()
// says which (ECONNRESET or EPIPE); never a SIGPIPE.
struct ConnectionResetError : std::system_error {
    explicit ConnectionResetError(std::string const& what, int code = ECONNRESET)
        : std::system_error(code, std::generic_category(), what) {}
};
// endregion

// region: limits
// The reader's buffer limit (Python: streams._DEFAULT_LIMIT, 64 KiB) and the writer's
// water marks (Python: FlowControlMixin's defaults, high 64 KiB, low a quarter of it).
inline constexpr std::size_t stream_limit = 64 * 1024;
inline constexpr std::size_t default_high_water = 64 * 1024;
inline constexpr std::size_t default_low_water = default_high_water / 4;
// endregion

namespace detail {

// region: transport
// One connection: the socket, what has arrived and nobody has read yet (Python keeps that
// in the StreamReader), and what was written and the kernel has not taken yet (Python keeps
// that in the transport). StreamReader and StreamWriter share it; when the last of them goes
// the socket is closed, unsent bytes and all (Python: transport.abort()). close() first to
// send them.
class Transport : public std::enable_shared_from_this<Transport> {
public:
    Transport(EventLoop& loop, FileDescriptor socket, std::size_t limit);
    ~Transport();
    Transport(Transport const&) = delete;
    Transport& operator=(Transport const&) = delete;
    void start();  // registers the reader, once the Transport is owned by a shared_ptr

    EventLoop& loop() const noexcept { return *loop_; }
    int fd() const noexcept { return socket_.get(); }

    // ---- the reading half (Python: StreamReader's buffer, feed_data, _wait_for_data) ----
    std::size_t limit() const noexcept { return limit_; }
    std::string_view buffered() const noexcept { return std::string_view(read_buffer_).substr(read_head_); }
    bool eof() const noexcept { return eof_; }
    std::exception_ptr const& read_error() const noexcept { return read_error_; }
    // Takes the first n buffered bytes (n <= buffered().size()), and resumes reading the
    // socket if the buffer has fallen to the limit (Python: _maybe_resume_transport).
    std::string take(std::size_t n);
    // Suspends until more data, the end of the stream or an error has arrived. One reader
    // at a time (RuntimeError otherwise). `who` names the caller in that error.
    Coro<void> wait_for_data(char const* who);
    bool is_reading() const noexcept { return reading_; }  // the fd has its reader (not paused)

    // ---- the writing half (Python: _SelectorSocketTransport.write, FlowControlMixin) ----
    void write(std::string_view data);
    Coro<void> drain();
    void write_eof();
    void close();
    Coro<void> wait_closed();
    bool is_closing() const noexcept { return closing_ || lost_; }
    std::size_t write_buffer_size() const noexcept { return write_buffer_.size() - write_head_; }
    std::size_t high_water() const noexcept { return high_water_; }
    std::size_t low_water() const noexcept { return low_water_; }
    void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low);
    bool writing_paused() const noexcept { return writing_paused_; }

private:
    void read_ready();   // the fd is readable: one recv, then feed_data or feed_eof
    void write_ready();  // the fd is writable: send what is buffered
    void pause_reading();
    void resume_reading();
    void maybe_pause_writing();                      // after write() buffered: above high water, pause
    void maybe_resume_writing();                     // after write_ready() sent: at low water, resume
    void wake_reader();                              // completes the read waiter, if one waits
    void wake_drain_waiters();                       // completes every drain waiter (with lost_'s error)
    void connection_lost(std::exception_ptr error);  // Python: _force_close + connection_lost
    void finish_close();                             // the buffer is flushed: close the socket
    Callback weak_callback(void (Transport::*method)());

    EventLoop* loop_;
    FileDescriptor socket_;

    // Reading. read_head_: where the unread bytes start (taking from the front moves it,
    // so that a long buffer read line by line is not copied on every line).
    std::size_t limit_;
    std::string read_buffer_;
    std::size_t read_head_ = 0;
    bool eof_ = false;
    bool reading_ = false;
    std::exception_ptr read_error_;
    std::optional<Future<void>> read_waiter_;

    // Writing.
    std::string write_buffer_;
    std::size_t write_head_ = 0;
    bool writer_added_ = false;
    std::size_t high_water_ = default_high_water;
    std::size_t low_water_ = default_low_water;
    bool writing_paused_ = false;
    std::vector<Future<void>> drain_waiters_;
    bool eof_written_ = false;  // write_eof(): shut down the sending half once flushed
    bool closing_ = false;      // close() was called: flush, then close the socket
    bool closed_ = false;       // the socket is closed
    bool lost_ = false;         // the connection is gone (closed, or failed with lost_error_)
    std::exception_ptr lost_error_;
    std::vector<Future<void>> close_waiters_;
};
// endregion

}  // namespace detail

// region: stream-reader
// The reading end of a connection (Python: asyncio.StreamReader). Copies share the same
// stream. One read at a time (a second concurrent read raises RuntimeError, as in Python).
class StreamReader {
public:
    explicit StreamReader(std::shared_ptr<detail::Transport> transport) : transport_(std::move(transport)) {}

    // Up to n bytes, as soon as there are any ("" at the end of the stream); n < 0: all
    // until the end of the stream.
    Coro<std::string> read(std::ptrdiff_t n = -1);
    // One line, '\n' included; at the end of the stream what is left ("" if nothing). A line
    // longer than the limit is discarded and raises LimitOverrunError (Python raises
    // ValueError from readline; here the same error readuntil raises).
    Coro<std::string> readline();
    // Exactly n bytes, or IncompleteReadError (with the partial bytes) at the end of the stream.
    Coro<std::string> readexactly(std::size_t n);
    // Up to and including `separator`; LimitOverrunError if it is not within the limit,
    // IncompleteReadError at the end of the stream without it.
    Coro<std::string> readuntil(std::string separator = "\n");
    // True once the peer has closed its end and everything it sent has been read.
    bool at_eof() const { return transport_->eof() && transport_->buffered().empty(); }
    std::exception_ptr exception() const { return transport_->read_error(); }

    std::size_t limit() const { return transport_->limit(); }
    // What has arrived and nobody has read yet (Python: len(reader._buffer)).
    std::size_t buffered() const { return transport_->buffered().size(); }
    bool is_reading() const { return transport_->is_reading(); }  // false while paused

private:
    std::shared_ptr<detail::Transport> transport_;
};
// endregion

// region: stream-writer
// The writing end (Python: asyncio.StreamWriter). write() never waits: what the kernel
// does not take at once is buffered, and `co_await drain()` waits while that buffer is
// above the high-water mark, until it is down to the low-water mark.
class StreamWriter {
public:
    explicit StreamWriter(std::shared_ptr<detail::Transport> transport) : transport_(std::move(transport)) {}

    // Sends what it can now, buffers the rest. ConnectionResetError if the connection is
    // known to be gone already; RuntimeError after close() or write_eof().
    void write(std::string_view data) { transport_->write(data); }
    Coro<void> drain();
    void write_eof() { transport_->write_eof(); }  // no more writes: the peer reads the end
    void close() { transport_->close(); }          // sends what is buffered, then closes
    Coro<void> wait_closed();
    bool is_closing() const { return transport_->is_closing(); }

    // Python: writer.transport.get_write_buffer_size(), get/set_write_buffer_limits().
    std::size_t get_write_buffer_size() const { return transport_->write_buffer_size(); }
    std::pair<std::size_t, std::size_t> get_write_buffer_limits() const {
        return {transport_->low_water(), transport_->high_water()};
    }
    void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low = std::nullopt) {
        transport_->set_write_buffer_limits(high, low);
    }
    int fileno() const { return transport_->fd(); }  // the socket, for setsockopt

private:
    std::shared_ptr<detail::Transport> transport_;
};
// endregion

// region: open-connection
struct Streams {
    StreamReader reader;
    StreamWriter writer;
};

// Connects to 127.0.0.1:port (Python: open_connection(host, port); the host is always the
// loopback here, as everywhere in the course). `auto [reader, writer] = co_await ...`.
Coro<Streams> open_connection(std::uint16_t port, std::size_t limit = stream_limit);

// The streams of a socket that is connected already (Python: open_connection(sock=...)).
// Any stream fd works (a socketpair's end, a pipe for reading). Needs the running loop.
Streams open_streams(FileDescriptor socket, std::size_t limit = stream_limit);
// endregion

// region: server
using ClientConnected = std::function<Coro<void>(StreamReader, StreamWriter)>;

namespace detail {
class ServerState;
}

// A listening socket on 127.0.0.1 and the tasks of its connections (Python:
// asyncio.Server). Copies share the same server.
class Server {
public:
    explicit Server(std::shared_ptr<detail::ServerState> state) : state_(std::move(state)) {}
    std::uint16_t port() const;  // the port it listens on (the kernel's pick for 0)
    bool is_serving() const;
    void close();                     // stops accepting; connections go on
    void close_clients();             // closes every connection (Python 3.13)
    Coro<void> wait_closed();         // until closed and every connection's task has ended
    Coro<void> serve_forever();       // until cancelled; then close() and wait_closed()
    std::size_t connections() const;  // connection tasks still running

private:
    std::shared_ptr<detail::ServerState> state_;
};

// Listens on 127.0.0.1:port (0: any free port, see Server::port()) and runs
// `client_connected(reader, writer)` as a task for every connection. When that coroutine
// returns, the writer is closed (what it wrote is still sent); if it throws, the
// exception goes to the loop's exception handler and the connection is closed.
Coro<Server> start_server(ClientConnected client_connected, std::uint16_t port = 0, std::size_t limit = stream_limit);
// endregion

}  // namespace asyncio
