// PromiseBase: the part of a promise that every awaitable coroutine type shares. It
// starts lazily, and when the body finishes it hands control straight back to the
// coroutine that awaited it (its continuation), by symmetric transfer. Introduced in
// chapter 04 for Coro<T>; chapter 08's Task<T> builds on the same piece.
#pragma once

#include <asyncio/counted_frame.hpp>

#include <coroutine>

namespace asyncio {

// CountedFrame (chapter 03) counts the frames, so tests can check that every frame
// a coroutine allocated was freed again.
class PromiseBase : public CountedFrame {
public:
    // region: lazy-start
    // Lazy start: calling the coroutine function allocates the frame, copies the
    // arguments into it, creates the promise, and stops here, before the first line of
    // the body. Nothing runs until someone awaits the coroutine. That is what makes
    // "who resumes me when I finish" known before the body can finish.
    std::suspend_always initial_suspend() const noexcept { return {}; }
    // endregion

    // The awaiter of the final suspend point, where every coroutine stops after its
    // last statement (after co_return, or after unhandled_exception caught what the
    // body threw). The frame stays alive here: its owner (the Coro) still has to read
    // the result and then destroy it.
    class FinalAwaiter {
    public:
        bool await_ready() const noexcept { return false; }

        // Called once the finished coroutine is suspended. Returning a handle means
        // "resume that one next", and the compiler does it as a tail call (symmetric
        // transfer): our frame is off the stack before the continuation runs, so a
        // million awaits in a loop need no more stack than one. noexcept is required:
        // there is nobody left in this coroutine to catch an exception.
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> finished) const noexcept {
            // TODO(coro-symmetric-transfer): Return the continuation, so the awaiting
            // coroutine resumes next; with no continuation, return
            // std::noop_coroutine().
            (void)finished;
            return std::noop_coroutine();  // for now nobody resumes the awaiting coroutine: it waits forever
        }

        void await_resume() const noexcept {}
    };

    FinalAwaiter final_suspend() const noexcept { return {}; }

    // region: continuation
    // Who resumes when this coroutine finishes. Set by whoever starts it (the awaiter
    // of a Coro, sync_wait, a scheduler), before the body runs.
    std::coroutine_handle<> continuation() const noexcept { return continuation_; }
    void set_continuation(std::coroutine_handle<> continuation) noexcept { continuation_ = continuation; }
    // endregion

private:
    std::coroutine_handle<> continuation_;
};

}  // namespace asyncio
