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
    // TODO(waker): Write to the fd: 8 bytes (the number 1) to an eventfd, one byte to
    // the pipe's write end. Count the write in writes_. EAGAIN means it is readable
    // already: fine; EINTR: try again.
    throw_todo("ch10", "waker");
}

void Waker::drain() {
    // TODO(waker): Read until the fd has nothing left (EAGAIN): one 8-byte read empties
    // an eventfd, a pipe may hold many bytes.
    throw_todo("ch10", "waker");
}
// endregion

}  // namespace asyncio
