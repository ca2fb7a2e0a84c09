// sync_wait(coro): run a Coro to completion from ordinary code (main, a test) on the
// calling thread, and return its value or rethrow its exception. Introduced in
// chapter 04; from chapter 05 on, asyncio::run does this with an event loop.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/todo.hpp>

#include <coroutine>

namespace asyncio {

// Ordinary code cannot `co_await`, so sync_wait plays the compiler's part by hand:
// the same three calls the compiler makes for `co_await coro`. There is no awaiting
// coroutine to hand to await_suspend, so it passes std::noop_coroutine(): when the
// body finishes, its final awaiter "resumes" the no-op coroutine, which simply
// returns, and control comes back out of resume() below.
//
// If resume() returns before the body has finished, the coroutine is waiting for
// something that only a scheduler or an event loop delivers (yield_now outside a
// scheduler, say). Nothing on this thread will ever resume it, so instead of waiting
// forever sync_wait raises RuntimeError; the Coro's destructor frees the frames.
template <class T>
T sync_wait(Coro<T> coro) {
    // TODO(sync-wait): Do what the compiler does for co_await: await_ready,
    // await_suspend with std::noop_coroutine() (resume the handle it returns), then
    // await_resume; RuntimeError if the body has not finished.
    (void)coro;
    throw_todo("ch04", "sync-wait");
}

}  // namespace asyncio
