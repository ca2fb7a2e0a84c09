// Coro<T>: a lazy coroutine, the C++ twin of a Python coroutine object. Calling a
// coroutine function that returns Coro<T> runs nothing; `co_await` starts it and
// resumes the awaiting coroutine with its value, or its exception, when it finishes.
// Introduced in chapter 04; chapter 08's Task<T> runs a Coro on the event loop.
#pragma once

#include <asyncio/exceptions.hpp>
#include <asyncio/promise_base.hpp>
#include <asyncio/result.hpp>
#include <asyncio/todo.hpp>

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

namespace asyncio {

template <class T = void>
class Coro;

namespace detail {

// region: promise
// region: promise-base
// The promise of a Coro<T>: PromiseBase (lazy start; resume the awaiter at the end)
// plus a Result<T> for the outcome. A promise must have either return_value or
// return_void, never both, hence the two small classes below.
template <class T>
class CoroPromiseBase : public PromiseBase {
public:
    Coro<T> get_return_object() noexcept;

    // The body threw: keep the exception for the awaiter, which rethrows it from
    // co_await. The frame then goes to its final suspend point as if it returned.
    void unhandled_exception() { result_.set_exception(std::current_exception()); }

    Result<T>& result() noexcept { return result_; }

private:
    Result<T> result_;
};
// endregion

// region: promise-return
template <class T>
class CoroPromise : public CoroPromiseBase<T> {
public:
    // `co_return expr;` For Coro<int&> only an lvalue converts to int&, so
    // `co_return 42;` does not compile instead of returning a dangling reference.
    // The default U = T makes `co_return {};` work.
    template <class U = T>
        requires std::is_convertible_v<U&&, T>
    void return_value(U&& value) {
        this->result().set_value(std::forward<U>(value));
    }
};

template <>
class CoroPromise<void> : public CoroPromiseBase<void> {
public:
    // `co_return;` or falling off the end of the body.
    void return_void() { this->result().set_value(); }
};
// endregion
// endregion

}  // namespace detail

// Coro<int>                produces an int (any movable type, move-only ones included)
// Coro<std::string const&> produces a reference to an object that outlives the Coro
// Coro<void> (or Coro<>)   produces nothing, only "done" (or an exception)
//
// A Coro owns its coroutine frame. It can be awaited once, by one coroutine.
template <class T>
class [[nodiscard]] Coro {
public:
    using promise_type = detail::CoroPromise<T>;
    using value_type = T;

    Coro(Coro const&) = delete;
    Coro& operator=(Coro const&) = delete;

    Coro(Coro&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}

    Coro& operator=(Coro&& other) noexcept {
        if (this != &other) {
            destroy();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }

    // region: destructor
    // Destroying a Coro destroys its frame, wherever the coroutine is: never started
    // (the body never runs; the copies of the arguments are destroyed), suspended
    // half-way (the locals alive at that point are destroyed), or finished.
    ~Coro() { destroy(); }
    // endregion

    // region: done
    // True once the body has finished, with a value or an exception.
    bool done() const noexcept { return handle_ && handle_.done(); }
    // endregion

    // What `co_await coro` uses. It only borrows the frame: the Coro (usually a
    // temporary in the awaiting coroutine's frame) lives until the end of the full
    // expression, after await_resume has read the result.
    class Awaiter {
    public:
        explicit Awaiter(std::coroutine_handle<promise_type> coroutine) noexcept : coroutine_(coroutine) {}

        // region: awaiter-ready
        // A lazy coroutine has not started, so it is never ready: always suspend.
        bool await_ready() const noexcept { return false; }
        // endregion

        // Called once the awaiting coroutine is suspended, with its handle.
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) {
            // TODO(coro-lazy-start): Remember who is waiting (the continuation), then
            // start the body by returning its handle.
            (void)awaiting;
            throw_todo("ch04", "coro-lazy-start");
        }

        // region: awaiter-resume
        // Runs in the awaiting coroutine once the body has finished: the value of the
        // co_await expression, or the body's exception rethrown right here.
        T await_resume() { return coroutine_.promise().result().take(); }
        // endregion

    private:
        std::coroutine_handle<promise_type> coroutine_;
    };

    // region: co-await
    // Misuse gets a named exception rather than undefined behaviour: a Coro runs once,
    // so awaiting it a second time (Python: "cannot reuse already awaited coroutine")
    // or awaiting a moved-from Coro throws InvalidStateError.
    Awaiter operator co_await() {
        if (!handle_) throw InvalidStateError("cannot await an empty Coro (it was moved from)");
        if (handle_.promise().continuation() || handle_.done())
            throw InvalidStateError("cannot reuse already awaited coroutine");
        return Awaiter{handle_};
    }
    // endregion

private:
    friend class detail::CoroPromiseBase<T>;
    explicit Coro(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}

    void destroy() noexcept {
        if (handle_) std::exchange(handle_, {}).destroy();
    }

    std::coroutine_handle<promise_type> handle_;
};

template <class T>
Coro<T> detail::CoroPromiseBase<T>::get_return_object() noexcept {
    return Coro<T>{std::coroutine_handle<CoroPromise<T>>::from_promise(static_cast<CoroPromise<T>&>(*this))};
}

}  // namespace asyncio
