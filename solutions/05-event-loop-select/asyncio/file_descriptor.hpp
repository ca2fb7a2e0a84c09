// FileDescriptor: owns one POSIX fd and closes it, plus the non-blocking read and write
// the lessons use. Introduced in chapter 05 for pipes and sockets (pipe.hpp, socket.hpp).
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace asyncio {

// Move-only, like std::unique_ptr: exactly one owner closes the fd, exactly once.
class FileDescriptor {
public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~FileDescriptor() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the fd it owns (if any) and takes `fd` instead. Errors from close() are
    // ignored on purpose: on Linux the fd is gone even when close() reports one, so
    // there is nothing to retry, and a destructor must not throw.
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// Throws std::system_error for the current errno, naming what failed.
[[noreturn]] inline void throw_errno(std::string const& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

inline void set_nonblocking(int fd) {
    int const flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw_errno("fcntl(O_NONBLOCK) on fd " + std::to_string(fd));
}

// Reads what is there, up to buffer.size() bytes, from a non-blocking fd.
// Returns the number of bytes read (0 means end of file: the writer closed), or
// std::nullopt if nothing is there yet (EAGAIN): wait until the fd is readable.
inline std::optional<std::size_t> read_some(int fd, std::span<char> buffer) {
    while (true) {
        ssize_t const got = ::read(fd, buffer.data(), buffer.size());
        if (got >= 0) return static_cast<std::size_t>(got);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
        throw_errno("read from fd " + std::to_string(fd));
    }
}

// Writes as much of `data` as fits now to a non-blocking fd: often all of it, sometimes
// only part (a "partial write"), and nothing (std::nullopt) when the fd is full (EAGAIN).
// On a socket whose peer has gone this throws EPIPE or ECONNRESET rather than killing
// the process with SIGPIPE: send() with MSG_NOSIGNAL, and write() for what is not a
// socket (a pipe whose reader has gone still raises SIGPIPE: see the chapter 05 lesson).
inline std::optional<std::size_t> write_some(int fd, std::string_view data) {
    bool is_socket = true;
    while (true) {
        ssize_t const put = is_socket ? ::send(fd, data.data(), data.size(), MSG_NOSIGNAL)
                                      : ::write(fd, data.data(), data.size());
        if (put >= 0) return static_cast<std::size_t>(put);
        if (errno == EINTR) continue;
        if (errno == ENOTSOCK && is_socket) {
            is_socket = false;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
        throw_errno("write to fd " + std::to_string(fd));
    }
}

}  // namespace asyncio
