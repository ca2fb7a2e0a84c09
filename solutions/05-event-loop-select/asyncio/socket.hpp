// Non-blocking loopback TCP and Unix socket pairs for the lessons and tests: listen,
// connect, accept. Introduced in chapter 05; the async socket operations of chapter 08
// are built on them.
#pragma once

#include <asyncio/file_descriptor.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace asyncio {

// Two connected stream sockets (Python: socket.socketpair()). Unlike a pipe, both ends
// can read and write, and writing to one whose peer closed gives EPIPE, not SIGPIPE
// (write_some sends with MSG_NOSIGNAL).
inline std::pair<FileDescriptor, FileDescriptor> make_socketpair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
    return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// The port a socket is bound to (after binding to port 0, the kernel picked it).
inline std::uint16_t local_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) throw_errno("getsockname");
    return ntohs(address.sin_port);
}

// A non-blocking TCP socket listening on 127.0.0.1 at `port` (0: any free port; ask
// local_port() which). Loopback only: the course never opens a port to the network.
inline FileDescriptor listen_on_loopback(std::uint16_t port = 0, int backlog = SOMAXCONN) {
    FileDescriptor listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener) throw_errno("socket");
    int const on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener.get(), reinterpret_cast<sockaddr const*>(&address), sizeof address) != 0)
        throw_errno("bind 127.0.0.1:" + std::to_string(port));
    if (::listen(listener.get(), backlog) != 0) throw_errno("listen");
    return listener;
}

// Starts connecting a non-blocking TCP socket to 127.0.0.1:port. The connection is
// usually still in progress when this returns: the socket becomes writable when it is
// done, and then pending_error() says whether it worked.
inline FileDescriptor connect_to_loopback(std::uint16_t port) {
    FileDescriptor socket(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket) throw_errno("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(socket.get(), reinterpret_cast<sockaddr const*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS)
        throw_errno("connect 127.0.0.1:" + std::to_string(port));
    return socket;
}

// The error a non-blocking connect() ended with (0: connected), read once (SO_ERROR).
inline int pending_error(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) throw_errno("getsockopt(SO_ERROR)");
    return error;
}

// Accepts one waiting connection as a non-blocking socket, or std::nullopt if none is
// waiting (EAGAIN): call it until then when the listener is readable.
inline std::optional<FileDescriptor> accept_connection(int listener) {
    while (true) {
        int const fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) return FileDescriptor(fd);
        if (errno == EINTR || errno == ECONNABORTED) continue;  // a client gave up while waiting
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
        throw_errno("accept");
    }
}

}  // namespace asyncio
