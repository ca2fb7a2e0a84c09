// Handle: a callback scheduled on the event loop, which its owner can cancel (Python's
// asyncio.Handle). Introduced in chapter 05; chapter 07's TimerHandle builds on it.
#pragma once

#include <asyncio/call_site.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace asyncio {

// region: callback
// What the loop runs. Resuming a coroutine is one too: a later chapter schedules
// `[h] { h.resume(); }` for a std::coroutine_handle<> h, and the loop needs nothing else.
using Callback = std::function<void()>;
// endregion

// A Handle is a cheap, copyable reference to one scheduled callback. The loop keeps one
// copy in its ready queue (or in a selector key), the caller may keep another to cancel
// it; the callback lives as long as any copy does. An empty Handle refers to nothing.
class Handle {
public:
    // region: handle-create
    Handle() = default;
    explicit Handle(Callback callback, CallSite created_at = CallSite::current())
        : state_(std::make_shared<State>(std::move(callback), created_at)) {}
    // endregion

    // region: handle-cancel
    // Cancelling is final and idempotent. Like Python, it drops the callback at once so
    // that what it captured is released now, not when the last copy of the Handle dies:
    // a callback that captures its own Handle would otherwise keep itself alive forever.
    void cancel() {
        if (!state_ || state_->cancelled) return;
        state_->cancelled = true;
        // Not while it runs, though: destroying a lambda from inside its own call would
        // free the captures it is still using. run() drops it when the call returns.
        if (!state_->running) state_->callback = nullptr;
    }

    bool cancelled() const { return state_ && state_->cancelled; }

    // Calls the callback unless the handle was cancelled (Python: Handle._run). An
    // exception from the callback propagates; the loop catches it (see EventLoop).
    void run() {
        std::shared_ptr<State> const state = state_;  // keeps the state alive during the call
        if (!state || state->cancelled || !state->callback) return;
        struct Finish {
            State& state;
            ~Finish() {
                state.running = false;
                if (state.cancelled) state.callback = nullptr;  // cancelled from inside itself
            }
        } finish{*state};
        state->running = true;
        state->callback();
    }
    // endregion

    // region: handle-describe
    // For error messages, like Python's repr(handle): "<Handle ping_pong.cpp:31>".
    std::string describe() const {
        if (!state_) return "<Handle (empty)>";
        return "<Handle " + std::string(state_->cancelled ? "cancelled " : "") + state_->created_at.describe() + ">";
    }

    explicit operator bool() const { return state_ != nullptr; }

    // Two Handles are equal when they refer to the same scheduled callback.
    friend bool operator==(Handle const&, Handle const&) = default;
    // endregion

private:
    struct State {
        State(Callback cb, CallSite where) : callback(std::move(cb)), created_at(where) {}
        Callback callback;
        CallSite created_at;
        bool cancelled = false;
        bool running = false;
    };
    std::shared_ptr<State> state_;
};

}  // namespace asyncio
