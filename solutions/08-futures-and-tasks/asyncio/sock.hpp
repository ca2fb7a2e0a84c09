// Async socket operations on the running loop: accept, connect, recv and sendall that
// suspend the calling coroutine instead of blocking the thread (Python: loop.sock_accept,
// loop.sock_connect, loop.sock_recv, loop.sock_sendall). Introduced in chapter 08.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/file_descriptor.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace asyncio {

// Each operation first tries its system call; only if that would block does it wait,
// with a reader (or writer) on the fd that retries the call and completes a Future.
// However the operation ends (done, failed, its task cancelled) the reader is removed
// again, so the next operation on the fd starts afresh. OS errors are std::system_error
// with errno. One operation per direction per fd at a time, as in Python.

// A connection waiting on `listener` (a listening socket, non-blocking), as a
// non-blocking socket.
Coro<FileDescriptor> sock_accept(int listener);

// A TCP socket connected to 127.0.0.1:port (Python: sock_connect(sock, address), with
// the socket made here). A refused connection is std::system_error(ECONNREFUSED).
Coro<FileDescriptor> sock_connect(std::uint16_t port);

// Up to buffer.size() bytes into `buffer`, as soon as there are any; 0 means the peer
// closed its end (end of file).
Coro<std::size_t> sock_recv(int fd, std::span<char> buffer);

// The same into a new string of at most `max` bytes ("" when the peer closed).
Coro<std::string> sock_recv(int fd, std::size_t max);

// All of `data`, in as many partial writes as it takes. A peer that has gone gives
// std::system_error (EPIPE or ECONNRESET), never SIGPIPE.
Coro<void> sock_sendall(int fd, std::string_view data);

}  // namespace asyncio
