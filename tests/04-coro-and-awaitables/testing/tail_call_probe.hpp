// symmetric_transfer_is_a_tail_call(): does this build turn symmetric transfer into a
// tail call? Asked of a minimal reference coroutine type, in a child process, so the
// deep-chain tests can skip (saying why) where the compiler does not, instead of
// blaming the learner's code. Introduced in chapter 04.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <coroutine>
#include <cstdlib>
#include <exception>
#include <utility>

namespace testing {

namespace tail_call_probe {

// The smallest lazy coroutine whose awaiter and final awaiter both return a handle.
struct Lazy {
    struct promise_type {
        std::coroutine_handle<> continuation;
        Lazy get_return_object() noexcept { return Lazy{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        auto final_suspend() const noexcept {
            struct Final {
                bool await_ready() const noexcept { return false; }
                std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> done) const noexcept {
                    auto next = done.promise().continuation;
                    return next ? next : std::noop_coroutine();
                }
                void await_resume() const noexcept {}
            };
            return Final{};
        }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }
    };

    explicit Lazy(std::coroutine_handle<promise_type> h) noexcept : handle(h) {}
    Lazy(Lazy&& other) noexcept : handle(std::exchange(other.handle, {})) {}
    ~Lazy() {
        if (handle) handle.destroy();
    }

    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) const noexcept {
        handle.promise().continuation = awaiting;
        return handle;
    }
    void await_resume() const noexcept {}

    std::coroutine_handle<promise_type> handle;
};

// static, not inline: clang 14 with -fsanitize=function (part of -fsanitize=undefined)
// cannot compile a coroutine with external linkage that is inline or a template
// ("Cannot represent a difference across sections").
static Lazy finish_at_once() {
    co_return;
}

static Lazy await_many(long count) {
    for (long i = 0; i < count; ++i) co_await finish_at_once();
}

}  // namespace tail_call_probe

// Runs a million awaits of tail_call_probe::Lazy in a child process: if the child
// survives, the compiler made every transfer a tail call. Asked once per process.
inline bool symmetric_transfer_is_a_tail_call() {
    static bool const answer = [] {
        pid_t const child = fork();
        if (child < 0) return true;  // cannot tell: let the real test run and speak
        if (child == 0) {
            // The child's stack overflow (and ASan's report of it) is not news.
            int const null = open("/dev/null", O_WRONLY);
            if (null >= 0) dup2(null, STDERR_FILENO);
            tail_call_probe::Lazy chain = tail_call_probe::await_many(1'000'000);
            chain.handle.resume();
            _exit(chain.handle.done() ? 0 : 1);
        }
        int status = 0;
        while (waitpid(child, &status, 0) < 0) {
            if (errno != EINTR) return true;
        }
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }();
    return answer;
}

}  // namespace testing
