// Streams, following CPython's Lib/asyncio/streams.py (StreamReader, StreamWriter,
// start_server) on the transport of Lib/asyncio/selector_events.py
// (_SelectorSocketTransport). Where we differ, a comment says why.
//
// The difference from chapter 08's sock_recv: a connection keeps ONE reader on its fd for
// as long as it reads. Each time the fd is readable the reader receives what is there into
// the stream's buffer and wakes the coroutine waiting for data, if any; the buffer, not the
// kernel, is where readuntil looks. Adding and removing a reader per sock_recv cost chapter
// 08's echo server two epoll_ctl calls per round trip; here there are none, except when a
// reader that does not keep up pauses reading (its buffer is over twice its limit).
#include <asyncio/streams.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/sock.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/task.hpp>
#include <asyncio/todo.hpp>

#include <fmt/core.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <span>

namespace asyncio {

IncompleteReadError::IncompleteReadError(std::string partial, std::optional<std::size_t> expected)
    : std::runtime_error(fmt::format("{} bytes read on a total of {} expected bytes", partial.size(),
                                     expected ? std::to_string(*expected) : std::string("undefined"))),
      partial_(std::move(partial)),
      expected_(expected) {}

namespace detail {

namespace {

// A peer that has gone shows as ECONNRESET (it reset) or EPIPE (it closed and we wrote):
// both become ConnectionResetError; any other error stays what it was.
std::exception_ptr connection_error(std::system_error const& error) {
    int const code = error.code().value();
    if (error.code().category() == std::generic_category() && (code == ECONNRESET || code == EPIPE))
        return std::make_exception_ptr(ConnectionResetError(error.what(), code));
    return std::make_exception_ptr(error);
}

// Completes a future nobody may be waiting for any more; never on a closed loop (its
// callbacks could not be scheduled), so that it is safe on every path.
void release(Future<void>& future) {
    if (!future.done() && !future.get_loop().is_closed()) future.set_result();
}

// However a wait ends (woken, cancelled, its frame destroyed by a closing loop), its future
// leaves the list: a future left there would hold the waiting task's done-callback.
struct ForgetWaiter {
    std::vector<Future<void>>& waiters;
    Future<void> waiter;
    ~ForgetWaiter() { std::erase(waiters, waiter); }
};

}  // namespace

Transport::Transport(EventLoop& loop, FileDescriptor socket, std::size_t limit)
    : loop_(&loop), socket_(std::move(socket)), limit_(limit) {
    if (limit_ == 0) throw ValueError("the stream's limit must be at least 1");
}

void Transport::start() {
    // As Python's transports do, no Nagle delay: a small reply goes out at once (on a
    // socket that is not TCP this fails, harmlessly).
    int const one = 1;
    ::setsockopt(fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    resume_reading();
}

Transport::~Transport() {
    // The last StreamReader/StreamWriter went: take the fd out of the loop, close it. On a
    // closed loop the removals do nothing (its selector has dropped every callback).
    if (!socket_) return;
    try {
        if (reading_) loop_->remove_reader(fd());
        if (writer_added_) loop_->remove_writer(fd());
    } catch (...) {
        loop_->call_exception_handler({"stream: removing the fd's callbacks failed", std::current_exception(), {}});
    }
}

// The loop's reader and writer hold the transport weakly: the streams own it, and a
// connection nobody holds any more closes instead of living on in the selector.
Callback Transport::weak_callback(void (Transport::*method)()) {
    return [weak = weak_from_this(), method] {
        if (std::shared_ptr<Transport> const self = weak.lock()) ((*self).*method)();
    };
}

// ---- Reading ------------------------------------------------------------------------

// region: read-ready
void Transport::read_ready() {
    if (closed_ || !reading_) return;  // paused or closed by a callback earlier in this iteration
    // One recv per readiness, of up to 256 KiB (Python's max_size), into a buffer every
    // connection of this thread shares: it is copied into the stream's buffer at once.
    thread_local std::vector<char> chunk(256 * 1024);
    std::optional<std::size_t> got;
    try {
        got = read_some(fd(), std::span<char>(chunk));
    } catch (std::system_error const& error) {
        connection_lost(connection_error(error));
        return;
    }
    if (!got) return;  // nothing after all (another reader of the fd was first)
    if (*got == 0) {   // the peer closed its end (Python: feed_eof); we may still write
        eof_ = true;
        loop_->remove_reader(fd());
        reading_ = false;
        wake_reader();
        return;
    }
    read_buffer_.append(chunk.data(), *got);
    wake_reader();
    // Python's feed_data: a reader that does not keep up stops the reading, so that its
    // buffer stays near twice its limit however fast the peer sends.
    if (buffered().size() > 2 * limit_) pause_reading();
}
// endregion

void Transport::pause_reading() {
    if (!reading_) return;
    loop_->remove_reader(fd());
    reading_ = false;
}

void Transport::resume_reading() {
    if (reading_ || eof_ || closing_ || closed_) return;
    loop_->add_reader(fd(), weak_callback(&Transport::read_ready));
    reading_ = true;
}

// region: take
std::string Transport::take(std::size_t n) {
    std::string data = read_buffer_.substr(read_head_, n);
    read_head_ += data.size();
    if (read_head_ == read_buffer_.size()) {
        read_buffer_.clear();
        read_head_ = 0;
    } else if (read_head_ > read_buffer_.size() / 2) {
        read_buffer_.erase(0, read_head_);  // compact once the dead half is the larger
        read_head_ = 0;
    }
    if (buffered().size() <= limit_) resume_reading();  // Python: _maybe_resume_transport
    return data;
}
// endregion

void Transport::wake_reader() {
    if (read_waiter_) release(*read_waiter_);
}

// region: wait-for-data
Coro<void> Transport::wait_for_data(char const* who) {
    if (read_waiter_)
        throw RuntimeError(std::string(who) +
                           "() called while another coroutine is already waiting for incoming data");
    if (eof_ || read_error_) co_return;
    // A reader that wants more than the buffer holds must get it, paused or not.
    resume_reading();
    Future<void> const waiter(*loop_);
    read_waiter_ = waiter;
    struct Forget {
        std::optional<Future<void>>& waiter;
        ~Forget() { waiter.reset(); }
    } const forget{read_waiter_};
    co_await waiter;
}
// endregion

// ---- Writing ------------------------------------------------------------------------

// region: write
void Transport::write(std::string_view data) {
    if (closing_ || eof_written_) throw RuntimeError("StreamWriter.write() after close() or write_eof()");
    if (lost_error_) std::rethrow_exception(lost_error_);
    if (data.empty()) return;
    if (write_buffer_size() == 0) {
        // Nothing queued: try to send now, as Python does; usually all of it goes.
        std::size_t sent = 0;
        try {
            sent = write_some(fd(), data).value_or(0);
        } catch (std::system_error const& error) {
            connection_lost(connection_error(error));  // the next drain() or write() raises it
            return;
        }
        data.remove_prefix(sent);
        if (data.empty()) return;
        loop_->add_writer(fd(), weak_callback(&Transport::write_ready));
        writer_added_ = true;
    }
    write_buffer_.append(data);
    maybe_pause_writing();
}
// endregion

// region: write-ready
void Transport::write_ready() {
    if (closed_ || write_buffer_size() == 0) return;
    std::size_t sent = 0;
    try {
        sent = write_some(fd(), std::string_view(write_buffer_).substr(write_head_)).value_or(0);
    } catch (std::system_error const& error) {
        connection_lost(connection_error(error));
        return;
    }
    write_head_ += sent;
    if (write_head_ == write_buffer_.size()) {
        write_buffer_.clear();
        write_head_ = 0;
    } else if (write_head_ > write_buffer_.size() / 2) {
        write_buffer_.erase(0, write_head_);
        write_head_ = 0;
    }
    maybe_resume_writing();
    if (write_buffer_size() > 0) return;
    loop_->remove_writer(fd());
    writer_added_ = false;
    if (closing_)
        finish_close();
    else if (eof_written_)
        ::shutdown(fd(), SHUT_WR);
}
// endregion

// region: flow-control
void Transport::maybe_pause_writing() {
    // Python: _maybe_pause_protocol. write() has just buffered what the kernel would not
    // take: above the high-water mark the writer is paused (drain() will wait).
    // BEGIN EXERCISE stream-drain: Above the high-water mark (write_buffer_size() > high_water_), pause the writer: writing_paused_ = true.
    if (write_buffer_size() > high_water_) writing_paused_ = true;
    // STUB
    // throw_todo("ch11", "stream-drain");
    // END EXERCISE
}

void Transport::maybe_resume_writing() {
    // Python: _maybe_resume_protocol. write_ready() has just sent some of the buffer.
    // BEGIN EXERCISE stream-drain: A paused writer whose buffer is down to the low-water mark is resumed: unpause, then wake_drain_waiters().
    if (writing_paused_ && write_buffer_size() <= low_water_) {
        writing_paused_ = false;
        wake_drain_waiters();
    }
    // STUB
    // throw_todo("ch11", "stream-drain");
    // END EXERCISE
}

Coro<void> Transport::drain() {
    // Python: StreamWriter.drain and FlowControlMixin._drain_helper. A lost connection
    // raises its error (ConnectionResetError for a peer that went), or ConnectionResetError
    // ("Connection lost") once it was closed. A paused writer waits until it is resumed.
    // BEGIN EXERCISE stream-drain: Raise lost_error_ if there is one, ConnectionResetError if lost_. Not paused: return. Else a Future<void> in drain_waiters_ (a ForgetWaiter removes it however the wait ends), awaited; then raise lost_error_ if the connection was lost meanwhile.
    if (lost_error_) std::rethrow_exception(lost_error_);
    if (lost_) throw ConnectionResetError("Connection lost");
    if (!writing_paused_) co_return;
    Future<void> const waiter(*loop_);
    drain_waiters_.push_back(waiter);
    ForgetWaiter const forget{drain_waiters_, waiter};
    co_await waiter;
    if (lost_error_) std::rethrow_exception(lost_error_);
    // STUB
    // throw_todo("ch11", "stream-drain");
    // co_return;
    // END EXERCISE
}
// endregion

void Transport::wake_drain_waiters() {
    for (Future<void>& waiter : std::exchange(drain_waiters_, {})) release(waiter);
}

void Transport::set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low) {
    std::size_t const low_water = low.value_or(high / 4);
    if (low_water > high) throw ValueError(fmt::format("high ({}) must be >= low ({})", high, low_water));
    high_water_ = high;
    low_water_ = low_water;
    if (write_buffer_size() > 0) maybe_pause_writing();
}

void Transport::write_eof() {
    if (closing_ || eof_written_ || lost_) return;
    eof_written_ = true;
    if (write_buffer_size() == 0) ::shutdown(fd(), SHUT_WR);
}

// region: close
void Transport::close() {
    if (closing_ || lost_) return;
    closing_ = true;
    pause_reading();
    if (write_buffer_size() == 0) {
        finish_close();
        return;
    }
    // Still sending: the writer now holds the transport strongly, so that the bytes go
    // even if every StreamWriter has gone. Sent, or failed, it closes and lets go; a loop
    // that closes first drops the writer, and the transport with it.
    loop_->add_writer(fd(), [self = shared_from_this()] { self->write_ready(); });
    writer_added_ = true;
}
// endregion

void Transport::finish_close() { connection_lost(nullptr); }

// region: connection-lost
void Transport::connection_lost(std::exception_ptr error) {
    if (lost_) return;
    lost_ = true;
    lost_error_ = error;
    if (error && !read_error_) read_error_ = error;  // the reader raises it
    eof_ = true;                                      // no more data, either way
    write_buffer_.clear();
    write_head_ = 0;
    writing_paused_ = false;
    // Hold on: removing the writer may drop the last reference to us (close()'s writer).
    std::shared_ptr<Transport> const keep = shared_from_this();
    if (reading_) loop_->remove_reader(fd());
    if (writer_added_) loop_->remove_writer(fd());
    reading_ = writer_added_ = false;
    socket_.reset();
    closed_ = true;
    wake_reader();
    wake_drain_waiters();
    for (Future<void>& waiter : std::exchange(close_waiters_, {})) release(waiter);
}
// endregion

Coro<void> Transport::wait_closed() {
    if (!closed_) {
        Future<void> const waiter(*loop_);
        close_waiters_.push_back(waiter);
        ForgetWaiter const forget{close_waiters_, waiter};
        co_await waiter;
    }
    if (lost_error_) std::rethrow_exception(lost_error_);  // as Python's wait_closed
}

}  // namespace detail

// ---- StreamReader ---------------------------------------------------------------------

namespace {

using TransportPtr = std::shared_ptr<detail::Transport>;

void raise_if_failed(detail::Transport const& stream) {
    if (stream.read_error()) std::rethrow_exception(stream.read_error());
}

// The coroutines hold the transport themselves (not a StreamReader's `this`), so that a
// read outlives the StreamReader it was started from.

// region: readuntil
Coro<std::string> readuntil_on(TransportPtr stream, std::string separator) {
    if (separator.empty()) throw ValueError("readuntil: the separator must not be empty");
    raise_if_failed(*stream);
    // Python's readuntil: search the buffer from `offset`; not there, at EOF raise
    // IncompleteReadError with what there is, else wait for data and search again, from
    // where a separator split across two reads could start. Past the limit, raise.
    // BEGIN EXERCISE stream-readuntil: Loop: if buffered() holds at least offset + separator.size() bytes, find the separator from offset (found: leave the loop); else offset = size + 1 - separator.size(), and past limit() raise LimitOverrunError("Separator is not found, and chunk exceed the limit", offset). At eof(): IncompleteReadError(take(everything), std::nullopt). Else co_await wait_for_data("readuntil") and raise_if_failed. Found beyond limit(): LimitOverrunError("Separator is found, but chunk is longer than limit", where). Return take(where + separator.size()).
    std::size_t offset = 0;
    std::size_t found = std::string_view::npos;
    while (true) {
        std::string_view const data = stream->buffered();
        if (data.size() >= offset + separator.size()) {
            found = data.find(separator, offset);
            if (found != std::string_view::npos) break;
            // The next search starts where a separator that is still incomplete could begin.
            offset = data.size() + 1 - separator.size();
            if (offset > stream->limit())
                throw LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
        }
        if (stream->eof()) throw IncompleteReadError(stream->take(data.size()), std::nullopt);
        co_await stream->wait_for_data("readuntil");
        raise_if_failed(*stream);
    }
    if (found > stream->limit()) throw LimitOverrunError("Separator is found, but chunk is longer than limit", found);
    co_return stream->take(found + separator.size());
    // STUB
    // (void)stream;
    // throw_todo("ch11", "stream-readuntil");
    // co_return {};
    // END EXERCISE
}
// endregion

// region: readline
Coro<std::string> readline_on(TransportPtr stream) {
    try {
        co_return co_await readuntil_on(stream, "\n");
    } catch (IncompleteReadError const& error) {
        co_return error.partial();  // the last line has no '\n'; "" at the end
    } catch (LimitOverrunError const& error) {
        // As Python: discard the overlong line (up to its '\n' if that is in the buffer,
        // else everything), so that the next readline starts afresh.
        std::string_view const data = stream->buffered();
        if (data.substr(error.consumed(), 1) == "\n")
            stream->take(error.consumed() + 1);
        else
            stream->take(data.size());
        throw;
    }
}
// endregion

// region: readexactly
Coro<std::string> readexactly_on(TransportPtr stream, std::size_t n) {
    raise_if_failed(*stream);
    if (n == 0) co_return std::string();
    // Python's readexactly: wait until the buffer holds n bytes, then take them. At the end
    // of the stream before that, what did arrive is taken, and raised in the error.
    // BEGIN EXERCISE stream-readexactly: While buffered() has fewer than n bytes: at eof() raise IncompleteReadError(take(everything), n), else co_await wait_for_data("readexactly") and raise_if_failed. Then return take(n).
    while (stream->buffered().size() < n) {
        if (stream->eof()) throw IncompleteReadError(stream->take(stream->buffered().size()), n);
        co_await stream->wait_for_data("readexactly");
        raise_if_failed(*stream);
    }
    co_return stream->take(n);
    // STUB
    // throw_todo("ch11", "stream-readexactly");
    // END EXERCISE
}
// endregion

Coro<std::string> read_on(TransportPtr stream, std::ptrdiff_t n) {
    if (n == 0) co_return std::string();
    raise_if_failed(*stream);
    if (n < 0) {  // everything until the end, a limit's worth at a time (as Python)
        std::string all;
        while (true) {
            std::string const block = co_await read_on(stream, static_cast<std::ptrdiff_t>(stream->limit()));
            if (block.empty()) co_return all;
            all += block;
        }
    }
    if (stream->buffered().empty() && !stream->eof()) co_await stream->wait_for_data("read");
    raise_if_failed(*stream);
    co_return stream->take(std::min(static_cast<std::size_t>(n), stream->buffered().size()));
}

Coro<void> drain_on(TransportPtr stream) { co_await stream->drain(); }
Coro<void> wait_closed_on(TransportPtr stream) { co_await stream->wait_closed(); }

}  // namespace

Coro<std::string> StreamReader::read(std::ptrdiff_t n) { return read_on(transport_, n); }
Coro<std::string> StreamReader::readline() { return readline_on(transport_); }
Coro<std::string> StreamReader::readexactly(std::size_t n) { return readexactly_on(transport_, n); }
Coro<std::string> StreamReader::readuntil(std::string separator) {
    return readuntil_on(transport_, std::move(separator));
}

Coro<void> StreamWriter::drain() { return drain_on(transport_); }
Coro<void> StreamWriter::wait_closed() { return wait_closed_on(transport_); }

// ---- Connections ------------------------------------------------------------------------

namespace {
std::shared_ptr<detail::Transport> make_transport(EventLoop& loop, FileDescriptor socket, std::size_t limit) {
    set_nonblocking(socket.get());
    auto transport = std::make_shared<detail::Transport>(loop, std::move(socket), limit);
    transport->start();
    return transport;
}
}  // namespace

Streams open_streams(FileDescriptor socket, std::size_t limit) {
    auto const transport = make_transport(get_running_loop(), std::move(socket), limit);
    return Streams{StreamReader(transport), StreamWriter(transport)};
}

Coro<Streams> open_connection(std::uint16_t port, std::size_t limit) {
    FileDescriptor socket = co_await sock_connect(port);
    co_return open_streams(std::move(socket), limit);
}

// ---- Server -------------------------------------------------------------------------------

namespace detail {

// region: server-state
class ServerState : public std::enable_shared_from_this<ServerState> {
public:
    ServerState(EventLoop& loop, FileDescriptor listener, ClientConnected client_connected, std::size_t limit)
        : loop_(&loop), listener_(std::move(listener)), port_(local_port(listener_.get())),
          client_connected_(std::move(client_connected)), limit_(limit) {}
    ~ServerState() {
        try {
            stop_accepting();
        } catch (...) {
        }
    }
    ServerState(ServerState const&) = delete;
    ServerState& operator=(ServerState const&) = delete;

    void start_serving() {
        if (!listener_ || accepting_) return;
        std::weak_ptr<ServerState> weak = weak_from_this();
        loop_->add_reader(listener_.get(), [weak] {
            if (auto const self = weak.lock()) self->accept_ready();
        });
        accepting_ = true;
    }

    void close() {
        if (!listener_) return;
        stop_accepting();
        listener_.reset();
        if (serving_forever_) serving_forever_->cancel();
        if (active_ == 0) wake_waiters();
    }

    void close_clients() {
        for (auto const& weak : std::exchange(transports_, {}))
            if (auto const transport = weak.lock()) transport->close();
    }

    Coro<void> wait_closed() {
        if (!listener_ && active_ == 0) co_return;
        Future<void> const waiter(*loop_);
        waiters_.push_back(waiter);
        ForgetWaiter const forget{waiters_, waiter};
        co_await waiter;
    }

    Coro<void> serve_forever() {
        if (serving_forever_) throw RuntimeError("the server is already being awaited on serve_forever()");
        if (!listener_) throw RuntimeError("the server is closed");
        start_serving();
        serving_forever_.emplace(*loop_);
        struct Forget {
            std::optional<Future<void>>& future;
            ~Forget() { future.reset(); }
        } const forget{serving_forever_};
        bool cancelled = false;
        try {
            co_await Future<void>(*serving_forever_);
        } catch (CancelledError const&) {
            cancelled = true;  // no co_await in a handler: close and wait below
        }
        close();
        co_await wait_closed();
        if (cancelled) throw CancelledError();
    }

    std::uint16_t port() const noexcept { return port_; }
    bool is_serving() const noexcept { return accepting_; }
    std::size_t active() const noexcept { return active_; }

private:
    // Python: BaseSelectorEventLoop._accept_connection, up to `backlog` at a time.
    void accept_ready() {
        for (int i = 0; i < 100 && listener_; ++i) {
            std::optional<FileDescriptor> connection;
            try {
                connection = accept_connection(listener_.get());
            } catch (std::system_error const& error) {
                loop_->call_exception_handler({"start_server: accept failed", std::current_exception(), {}});
                int const code = error.code().value();
                if (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM) {
                    // Out of fds: stop accepting for a second (Python's ACCEPT_RETRY_DELAY)
                    // rather than spin on a listener that stays readable.
                    stop_accepting();
                    std::weak_ptr<ServerState> weak = weak_from_this();
                    loop_->call_later(std::chrono::seconds(1), [weak] {
                        if (auto const self = weak.lock()) self->start_serving();
                    });
                }
                return;
            }
            if (!connection) return;
            auto const transport = make_transport(*loop_, std::move(*connection), limit_);
            std::erase_if(transports_, [](auto const& weak) { return weak.expired(); });
            transports_.push_back(transport);
            ++active_;
            (void)create_task(*loop_, serve_client(shared_from_this(), StreamReader(transport), StreamWriter(transport)));
        }
    }

    // region: serve-client
    static Coro<void> serve_client(std::shared_ptr<ServerState> server, StreamReader reader, StreamWriter writer) {
        struct Done {
            ServerState& server;
            ~Done() { server.connection_done(); }
        } const done{*server};
        std::exception_ptr error;
        try {
            co_await server->client_connected_(reader, writer);
        } catch (CancelledError const&) {
            throw;
        } catch (...) {
            error = std::current_exception();
        }
        if (error) server->loop_->call_exception_handler({"Unhandled exception in client_connected", error, {}});
        writer.close();  // what it wrote still goes, then the connection closes
    }
    // endregion

    void connection_done() noexcept {
        --active_;
        if (!listener_ && active_ == 0) wake_waiters();
    }

    void wake_waiters() noexcept {
        try {
            for (Future<void>& waiter : std::exchange(waiters_, {})) release(waiter);
        } catch (...) {
        }
    }

    void stop_accepting() {
        if (!accepting_) return;
        accepting_ = false;
        loop_->remove_reader(listener_.get());
    }

    EventLoop* loop_;
    FileDescriptor listener_;
    std::uint16_t port_;
    ClientConnected client_connected_;
    std::size_t limit_;
    bool accepting_ = false;
    std::size_t active_ = 0;
    std::vector<std::weak_ptr<Transport>> transports_;  // for close_clients
    std::vector<Future<void>> waiters_;
    std::optional<Future<void>> serving_forever_;
};
// endregion

}  // namespace detail

std::uint16_t Server::port() const { return state_->port(); }
bool Server::is_serving() const { return state_->is_serving(); }
void Server::close() { state_->close(); }
void Server::close_clients() { state_->close_clients(); }
std::size_t Server::connections() const { return state_->active(); }

namespace {
Coro<void> server_wait_closed(std::shared_ptr<detail::ServerState> state) { co_await state->wait_closed(); }
Coro<void> server_serve_forever(std::shared_ptr<detail::ServerState> state) { co_await state->serve_forever(); }
}  // namespace

Coro<void> Server::wait_closed() { return server_wait_closed(state_); }
Coro<void> Server::serve_forever() { return server_serve_forever(state_); }

Coro<Server> start_server(ClientConnected client_connected, std::uint16_t port, std::size_t limit) {
    if (!client_connected) throw std::invalid_argument("start_server: client_connected is empty");
    EventLoop& loop = get_running_loop();
    auto state = std::make_shared<detail::ServerState>(loop, listen_on_loopback(port), std::move(client_connected), limit);
    state->start_serving();
    co_return Server(std::move(state));
}

}  // namespace asyncio
