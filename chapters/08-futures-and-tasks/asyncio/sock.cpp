// The sock_* operations, following CPython's Lib/asyncio/selector_events.py: try the
// system call; if it would block, a Future that a reader (writer) on the fd completes by
// retrying the call each time the fd is ready. Where we differ, a comment says why.
#include <asyncio/sock.hpp>

#include <asyncio/event_loop.hpp>
#include <asyncio/future.hpp>
#include <asyncio/handle.hpp>
#include <asyncio/selector_key.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/todo.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

namespace asyncio {

namespace {

// region: remove-on-exit
// Removes the reader (writer) an operation added, however its coroutine leaves: with a
// result, with an error, cancelled (the CancelledError passes through here), or its frame
// destroyed by a closing loop. Python removes it in a done-callback of the future; we do
// it here, as sleep cancels its timer, because a done-callback holding the reader's Handle
// (whose callback holds the future) would be a cycle of shared_ptrs that nothing breaks
// when the loop closes with the operation pending.
class RemoveOnExit {
public:
    RemoveOnExit(EventLoop& loop, int fd, selectors::Events event, Handle handle)
        : loop_(loop), fd_(fd), event_(event), handle_(std::move(handle)) {}
    ~RemoveOnExit() {
        // Cancelled: removed already, or replaced by another operation's reader (add_reader
        // cancels the one it replaces), which must stay.
        if (handle_.cancelled()) return;
        try {
            if (event_ == selectors::EVENT_READ)
                loop_.remove_reader(fd_);
            else
                loop_.remove_writer(fd_);
        } catch (...) {
            loop_.call_exception_handler({"sock_*: removing the fd's callback failed", std::current_exception(), {}});
        }
    }
    RemoveOnExit(RemoveOnExit const&) = delete;
    RemoveOnExit& operator=(RemoveOnExit const&) = delete;

private:
    EventLoop& loop_;
    int fd_;
    selectors::Events event_;
    Handle handle_;
};
// endregion

// region: complete-when-ready
// The reader's (writer's) callback: retries `attempt` (nullopt: it would still block) and
// completes `future` with its value or its exception.
template <class T, class Attempt>
Callback complete_when_ready(Future<T> future, Attempt attempt) {
    return [future, attempt = std::move(attempt)]() mutable {
        // Done already: cancelled, or completed by an earlier call that the fd, still
        // ready, has queued once more before the coroutine woke and removed us. Retrying
        // now would take data nobody is waiting for.
        if (future.done()) return;
        try {
            if (auto value = attempt()) future.set_result(std::move(*value));
        } catch (...) {
            future.set_exception(std::current_exception());
        }
    };
}
// endregion

}  // namespace

// region: sock-recv
Coro<std::size_t> sock_recv(int fd, std::span<char> buffer) {
    // As Python's: read_some first, and return what it read (0: the peer closed). Only if it
    // would block, a Future<std::size_t> that a reader on the fd completes by retrying
    // (complete_when_ready), the reader kept in a RemoveOnExit; then await the future.
    // TODO(sock-recv): Read now if there is data; else await a Future that a reader
    // completes.
    (void)fd;
    (void)buffer;
    throw_todo("ch08", "sock-recv");
    co_return 0;
}
// endregion

Coro<std::string> sock_recv(int fd, std::size_t max) {
    std::string data(max, '\0');
    data.resize(co_await sock_recv(fd, std::span<char>(data)));
    co_return data;
}

// region: sock-sendall
Coro<void> sock_sendall(int fd, std::string_view data) {
    std::size_t sent = write_some(fd, data).value_or(0);
    if (sent == data.size()) co_return;
    EventLoop& loop = get_running_loop();
    // The writer keeps writing what is left each time the fd has room, and completes the
    // future only when all is sent: one wake-up of this coroutine, however many writes.
    Future<bool> future(loop);
    auto write_rest = [fd, data, sent]() mutable -> std::optional<bool> {
        sent += write_some(fd, data.substr(sent)).value_or(0);
        if (sent < data.size()) return std::nullopt;
        return true;
    };
    RemoveOnExit const guard(loop, fd, selectors::EVENT_WRITE,
                             loop.add_writer(fd, complete_when_ready(future, write_rest)));
    co_await future;
}
// endregion

Coro<FileDescriptor> sock_accept(int listener) {
    // A Future's value is copied to every awaiter, so the new socket travels in a
    // shared_ptr; if nobody takes it (the task was cancelled meanwhile) it is closed.
    using Shared = std::shared_ptr<FileDescriptor>;
    auto accept = [listener]() -> std::optional<Shared> {
        if (std::optional<FileDescriptor> connection = accept_connection(listener))
            return std::make_shared<FileDescriptor>(std::move(*connection));
        return std::nullopt;
    };
    if (std::optional<Shared> const connection = accept()) co_return std::move(**connection);
    EventLoop& loop = get_running_loop();
    Future<Shared> future(loop);
    RemoveOnExit const guard(loop, listener, selectors::EVENT_READ,
                             loop.add_reader(listener, complete_when_ready(future, accept)));
    Shared const connection = co_await future;
    co_return std::move(*connection);
}

Coro<FileDescriptor> sock_connect(std::uint16_t port) {
    // connect_to_loopback has made the system call; on loopback it is nearly always still
    // in progress, and a socket becomes writable once its connect has finished, either way.
    FileDescriptor socket = connect_to_loopback(port);
    int const fd = socket.get();
    EventLoop& loop = get_running_loop();
    Future<int> future(loop);
    RemoveOnExit const guard(
        loop, fd, selectors::EVENT_WRITE,
        loop.add_writer(fd, complete_when_ready(future, [fd] { return std::optional<int>(pending_error(fd)); })));
    if (int const error = co_await future; error != 0)
        throw std::system_error(error, std::generic_category(), "connect 127.0.0.1:" + std::to_string(port));
    co_return socket;
}

}  // namespace asyncio
