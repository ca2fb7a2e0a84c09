// The two ways to wake a selector from another thread, behind Waker's small interface.
#include <asyncio/waker.hpp>

#include <asyncio/todo.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace asyncio {

namespace {

bool self_pipe_asked() {
    char const* value = std::getenv("ASYNCIO_SELF_PIPE");
    return value != nullptr && std::strcmp(value, "1") == 0;
}

}  // namespace

Waker::Waker() {
    if (!self_pipe_asked()) {
        int const fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd >= 0) {
            read_.reset(fd);
            return;
        }
        if (errno != ENOSYS && errno != EINVAL) throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
    read_.reset(fds[0]);
    write_.reset(fds[1]);
}

// region: notify
void Waker::notify() {
    // BEGIN EXERCISE waker: Write to the fd: 8 bytes (the number 1) to an eventfd, one byte to the pipe's write end. Count the write in writes_. EAGAIN means it is readable already: fine; EINTR: try again.
    writes_.fetch_add(1, std::memory_order_relaxed);
    while (true) {
        ssize_t written;
        if (is_eventfd()) {
            std::uint64_t const one = 1;
            written = ::write(read_.get(), &one, sizeof one);
        } else {
            char const byte = 0;
            written = ::write(write_.get(), &byte, 1);
        }
        if (written >= 0 || errno != EINTR) return;  // done, or full (EAGAIN): readable anyway
    }
    // STUB
    // throw_todo("ch10", "waker");
    // END EXERCISE
}

void Waker::drain() {
    // BEGIN EXERCISE waker: Read until the fd has nothing left (EAGAIN): one 8-byte read empties an eventfd, a pipe may hold many bytes.
    char buffer[256];
    while (true) {
        ssize_t const got = ::read(read_.get(), buffer, is_eventfd() ? sizeof(std::uint64_t) : sizeof buffer);
        if (got > 0) continue;
        if (got < 0 && errno == EINTR) continue;
        return;  // EAGAIN: empty (or 0: cannot happen, nobody closes the write end first)
    }
    // STUB
    // throw_todo("ch10", "waker");
    // END EXERCISE
}
// endregion

}  // namespace asyncio
