// spawn(loop, coro): start a Coro on the event loop, a stand-in for chapter 08's
// create_task. Introduced in chapter 07, so that coroutines can sleep on the loop
// before tasks exist; chapter 08 replaces it with Task.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/handle.hpp>

#include <coroutine>
#include <utility>

namespace asyncio {

// Owns the coroutine it started. Destroying it destroys the coroutine wherever it is
// (a sleep it was in is cancelled by SleepAwaiter's destructor), so keep it alive until
// done() or until the loop stops.
template <class T>
class [[nodiscard]] Spawned {
public:
    Spawned(EventLoop& loop, Coro<T> coro) : coro_(std::move(coro)), awaiter_(coro_.operator co_await()) {
        // Started as chapter 04's ManualScheduler::spawn starts one, with no continuation:
        // when the body finishes, its final awaiter returns to the loop.
        std::coroutine_handle<> const start = awaiter_.await_suspend(std::noop_coroutine());
        start_ = loop.call_soon([start] { start.resume(); });
    }
    Spawned(Spawned&& other) noexcept = default;
    Spawned& operator=(Spawned&&) = delete;
    ~Spawned() { start_.cancel(); }  // then coro_'s destructor destroys the frame

    bool done() const noexcept { return coro_.done(); }

    // The coroutine's value, or its exception rethrown; InvalidStateError before done().
    T result() {
        if (!done()) throw InvalidStateError("the spawned coroutine has not finished");
        return awaiter_.await_resume();
    }

private:
    Coro<T> coro_;
    typename Coro<T>::Awaiter awaiter_;
    Handle start_;
};

template <class T>
Spawned<T> spawn(EventLoop& loop, Coro<T> coro) {
    return Spawned<T>(loop, std::move(coro));
}

}  // namespace asyncio
