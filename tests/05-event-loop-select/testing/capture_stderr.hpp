// CaptureStderr: collects what the process writes to stderr while it lives, for tests of
// messages such as the event loop's default exception handler. Chapter 05.
#pragma once

#include <asyncio/file_descriptor.hpp>
#include <asyncio/pipe.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

namespace testing {

// Points fd 2 at a pipe and back. The pipe holds 64 KiB, plenty for a few messages;
// text() drains it, so call it once, after the code under test has written.
class CaptureStderr {
public:
    CaptureStderr() : pipe_(asyncio::make_pipe()), saved_(::dup(STDERR_FILENO)) {
        std::fflush(stderr);
        ::dup2(pipe_.write_end.get(), STDERR_FILENO);
    }
    ~CaptureStderr() { restore(); }
    CaptureStderr(CaptureStderr const&) = delete;
    CaptureStderr& operator=(CaptureStderr const&) = delete;

    std::string text() {
        restore();
        std::string all;
        char buffer[4096];
        while (auto got = asyncio::read_some(pipe_.read_end.get(), buffer)) {
            if (*got == 0) break;
            all.append(buffer, *got);
        }
        return all;
    }

private:
    void restore() {
        if (!saved_) return;
        std::fflush(stderr);
        ::dup2(saved_.get(), STDERR_FILENO);
        saved_.reset();
    }
    asyncio::Pipe pipe_;
    asyncio::FileDescriptor saved_;
};

}  // namespace testing
