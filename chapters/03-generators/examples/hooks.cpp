// Every hook of a coroutine's promise, printed as the compiler calls it: the frame's
// allocation, the promise, get_return_object, the three suspension points (initial,
// each co_yield, final) with their awaiter calls, return_void or unhandled_exception,
// and the frame's destruction. The coroutine is driven by hand through its
// coroutine_handle, which is what Generator<T> does for you.
//
// Usage: ch03_hooks           a body that yields 2, 1 and returns
//        ch03_hooks --throw   a body that yields 2, 1 and then throws
#include <fmt/core.h>

#include <coroutine>
#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>

namespace {

// region: traced-awaiter
// Behaves like std::suspend_always (always suspend, nothing to return) but says what
// the compiler asks it. Chapter 04 is all about this protocol; here we only watch it.
struct TracedSuspend {
    char const* where;
    bool await_ready() const noexcept {
        fmt::print("      {}: await_ready() -> false, so suspend\n", where);
        return false;
    }
    void await_suspend(std::coroutine_handle<>) const noexcept {
        fmt::print("      {}: await_suspend(handle): suspended, control goes back to the resumer\n", where);
    }
    void await_resume() const noexcept { fmt::print("      {}: await_resume(): running again\n", where); }
};
// endregion

// region: traced-promise
struct Traced {
    struct promise_type {
        int current = 0;
        std::exception_ptr exception;

        // The frame's memory: found in the promise's scope before the global one.
        static void* operator new(std::size_t size) {
            fmt::print("  operator new({} bytes): the frame\n", size);
            return ::operator new(size);
        }
        static void operator delete(void* frame) noexcept {
            fmt::print("  operator delete: the frame is freed\n");
            ::operator delete(frame);
        }

        promise_type() { fmt::print("  promise constructed, inside the frame\n"); }
        ~promise_type() { fmt::print("  promise destroyed\n"); }

        Traced get_return_object() {
            fmt::print("  get_return_object(): what the caller will receive\n");
            return Traced{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        TracedSuspend initial_suspend() noexcept {
            fmt::print("  initial_suspend()\n");
            return {"initial"};
        }
        TracedSuspend yield_value(int value) noexcept {
            fmt::print("  yield_value({})\n", value);
            current = value;
            return {"co_yield"};
        }
        void return_void() noexcept { fmt::print("  return_void(): the body is finished\n"); }
        void unhandled_exception() noexcept {
            fmt::print("  unhandled_exception(): called inside the compiler's catch block\n");
            exception = std::current_exception();
        }
        TracedSuspend final_suspend() noexcept {
            fmt::print("  final_suspend()\n");
            return {"final"};
        }
    };

    std::coroutine_handle<promise_type> handle;
};
// endregion

// region: body
Traced count_down(int from, bool fail) {
    fmt::print("    body: starts, from = {}\n", from);
    while (from > 0) co_yield from--;
    if (fail) throw std::runtime_error("the body failed");
    fmt::print("    body: falls off the end\n");
}
// endregion

// region: drive
void drive(bool fail) {
    fmt::print("main: calling count_down(2)\n");
    Traced coroutine = count_down(2, fail);
    fmt::print("main: count_down(2) returned; its body has not run yet\n");
    std::coroutine_handle<Traced::promise_type> handle = coroutine.handle;
    while (!handle.done()) {
        fmt::print("main: resume()\n");
        handle.resume();  // runs the body on our stack until its next suspension point
        if (!handle.done()) fmt::print("main: the body yielded {}\n", handle.promise().current);
    }
    if (handle.promise().exception) {
        try {
            std::rethrow_exception(handle.promise().exception);
        } catch (std::exception const& error) {
            fmt::print("main: the body threw: {}\n", error.what());
        }
    }
    fmt::print("main: done() is true; destroy()\n");
    handle.destroy();  // a frame suspended at final_suspend is freed only when we say so
    fmt::print("main: end\n");
}
// endregion

}  // namespace

int main(int argc, char** argv) {
    bool const fail = argc > 1 && std::strcmp(argv[1], "--throw") == 0;
    drive(fail);
}
