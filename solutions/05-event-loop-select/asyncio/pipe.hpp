// Pipe: a non-blocking pipe whose two ends close themselves, the simplest fd pair to
// watch with a selector. Introduced in chapter 05 for the lessons and tests.
#pragma once

#include <asyncio/file_descriptor.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace asyncio {

struct Pipe {
    FileDescriptor read_end;   // readable when there are bytes in the pipe, or at EOF
    FileDescriptor write_end;  // writable while the pipe's buffer (64 KiB on Linux) has room
};

// Both ends non-blocking, so a read or write never stalls the loop, and close-on-exec,
// so a child process does not inherit them by accident.
inline Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw_errno("pipe2");
    return Pipe{FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

}  // namespace asyncio
