// RootCoroutine: a tiny eager coroutine type for tests. A test writes a root coroutine
// that co_awaits Coros and records what it sees, without sync_wait (a later exercise
// step), so the first steps of chapter 04 can be tested on their own.
#pragma once

#include <coroutine>
#include <exception>
#include <utility>

namespace testing {

// Starts running as soon as it is called (no initial suspension) and stops at its
// final suspension point, so the test can ask whether it got there (done()), and
// what it threw (rethrow_if_failed()). Destroying it frees its frame wherever it is,
// and with it every Coro the root was awaiting.
class RootCoroutine {
public:
    struct promise_type {
        RootCoroutine get_return_object() noexcept {
            return RootCoroutine{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_never initial_suspend() const noexcept { return {}; }
        std::suspend_always final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() noexcept { error = std::current_exception(); }

        std::exception_ptr error;
    };

    RootCoroutine(RootCoroutine&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    RootCoroutine& operator=(RootCoroutine&&) = delete;
    ~RootCoroutine() {
        if (handle_) handle_.destroy();
    }

    // True once the root's body has finished: every Coro it awaited handed control back.
    bool done() const noexcept { return handle_.done(); }

    // Rethrows what escaped the root's body (e.g. a NotImplementedError from a stub).
    void rethrow_if_failed() const {
        if (handle_.done() && handle_.promise().error) std::rethrow_exception(handle_.promise().error);
    }

private:
    explicit RootCoroutine(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}

    std::coroutine_handle<promise_type> handle_;
};

}  // namespace testing
