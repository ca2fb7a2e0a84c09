// BasicFiber<Switch>: a stackful coroutine. resume() runs it until it calls yield() or
// returns; yield() goes back to whoever resumed it. Introduced in chapter 01 as Fiber on
// ucontext; chapter 02 made the context switch a template parameter (ContextSwitch).
// Chapter 12 makes the switch fast, with the same behaviour: resume() and yield() are
// inline here, with one state check each and every error path out of line, and the
// switch in both directions makes no call but the one into the back-end's swap.
#pragma once

#include <asyncio/assembly_switch.hpp>
#include <asyncio/context_switch.hpp>
#include <asyncio/exception_state.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/todo.hpp>  // throw_todo, for the exercise stubs
#include <asyncio/ucontext_switch.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <utility>

namespace asyncio {

template <ContextSwitch Switch>
class BasicFiber;

namespace detail {
// region: current-fiber
// The fiber of back-end S running on this thread; nullptr while the thread runs on its
// own stack. In the header (chapter 02 kept it in fiber.cpp) because the inline switch
// reads and writes it; `constinit`, so that an access is one instruction relative to the
// thread pointer, without a call to a TLS wrapper. A fiber stays on the thread that
// first resumed it: compilers may keep the address of a thread_local in a register
// across a call, so a fiber moved to another thread could go on using the old thread's.
template <ContextSwitch S>
inline thread_local constinit BasicFiber<S>* current_fiber = nullptr;
// endregion
}  // namespace detail

template <ContextSwitch Switch>
class BasicFiber {
public:
    static constexpr std::size_t default_stack_size = 64 * 1024;

    // The body does not run yet: the first resume() starts it on a stack of its own of
    // at least `stack_size` bytes (rounded up to whole pages, plus a guard page).
    explicit BasicFiber(std::function<void()> body, std::size_t stack_size = default_stack_size);

    // A suspended fiber is unwound first (ForcedUnwind is thrown at its yield(), so the
    // destructors of the objects on its stack run), then its stack is freed.
    ~BasicFiber();

    // Not copyable, and not movable either: the saved context and the stack hold
    // addresses inside this object.
    BasicFiber(BasicFiber const&) = delete;
    BasicFiber& operator=(BasicFiber const&) = delete;

    // region: resume-yield
    // Runs the fiber until it yields or finishes. An exception that escaped the body comes
    // out of here. Resuming a finished fiber, or one that is running (itself, or a fiber
    // further up the chain of resumers), throws RuntimeError.
    void resume() {
        // One comparison for both refusals: the states are ordered so that the two a
        // fiber can be resumed from come first (see State).
        if (state_ > State::suspended) [[unlikely]]
            refuse_resume();
        switch_in();
        if (exception_) [[unlikely]]
            rethrow_failure();
    }

    // From inside a fiber: back to whoever resumed it; returns when it is resumed again.
    // On the thread's own stack (outside any fiber) it throws RuntimeError.
    static void yield() {
        BasicFiber* const self = detail::current_fiber<Switch>;
        if (self == nullptr) [[unlikely]]
            refuse_yield();
        self->state_ = State::suspended;
        self->switch_out();
        // Resumed: by resume(), or by the destructor, which wants the stack unwound.
        if (self->unwind_requested_) [[unlikely]]
            throw_forced_unwind();
    }
    // endregion

    bool done() const noexcept { return state_ == State::finished; }

    // The fiber of this back-end running on this thread, or nullptr on the thread's own
    // stack. (Each back-end keeps its own: do not nest fibers of different back-ends.)
    static BasicFiber* current() noexcept { return detail::current_fiber<Switch>; }

private:
    // region: states
    // In this order on purpose: resume() accepts exactly the states up to `suspended`.
    enum class State { created, suspended, running, finished };
    // endregion

    static void entry(void* fiber) noexcept;  // where the context starts: calls run()
    void run() noexcept;                      // the fiber's whole life, on its stack
    void run_body() noexcept;                 // catch what escapes the body ...
    void unwind() noexcept;                   // the destructor's forced unwind

    // The rare paths, out of line (fiber.cpp) and marked cold, so that the inline fast
    // paths stay a few instructions long and the compiler lays them out straight.
    [[noreturn, gnu::cold]] void refuse_resume() const;
    [[noreturn, gnu::cold]] static void refuse_yield();
    [[noreturn, gnu::cold]] static void throw_forced_unwind();
    [[noreturn, gnu::cold]] void rethrow_failure();  // ... and rethrow it from resume()

    // region: switch
    // resumer -> fiber. On the resumer's stack; returns when the fiber yields or finishes.
    void switch_in() {
        // BEGIN EXERCISE inline-switch: Into the fiber and back: current fiber, state, record, sanitizers, swap.
        BasicFiber* const resumer = detail::current_fiber<Switch>;  // a local: it lives on the resumer's stack
        detail::current_fiber<Switch> = this;
        state_ = State::running;
        parked_exceptions_.swap_with_thread();  // park the resumer's exception record, take the fiber's
        sanitizer_.entering_fiber(stack_);      // only under ASan does this read the stack's bounds
        // Our registers into resumer_context_, the fiber's out of context_; back here
        // when the fiber yields or finishes.
        Switch::swap(resumer_context_, context_);
        sanitizer_.back_in_resumer();
        detail::current_fiber<Switch> = resumer;
        // STUB
        // (void)resumer_context_;  // where the resumer's registers go while the fiber runs
        // throw_todo("ch12", "inline-switch");
        // END EXERCISE
    }

    // fiber -> resumer. On the fiber's stack; returns when the fiber is resumed again.
    void switch_out() noexcept {
        // BEGIN EXERCISE inline-switch: Switch back to the resumer; when resumed again, tell the sanitizers we arrived.
        parked_exceptions_.swap_with_thread();  // park the fiber's record, give the resumer its own back
        sanitizer_.leaving_fiber(state_ == State::finished);
        Switch::swap(context_, resumer_context_);
        // Resumed again, possibly by a different resumer than last time.
        sanitizer_.arrived_in_fiber();
        // STUB
        // throw_todo("ch12", "inline-switch");  // in a noexcept function: std::terminate
        // END EXERCISE
    }
    // endregion

    // region: members
    std::function<void()> body_;
    FiberStack stack_;
    typename Switch::Context context_{};          // the fiber's registers while it is not running
    typename Switch::Context resumer_context_{};  // the resumer's registers while the fiber runs
    // endregion
    State state_ = State::created;
    std::exception_ptr exception_;  // what escaped the body, until resume() rethrows it
    bool unwind_requested_ = false;
    ExceptionState parked_exceptions_;  // the exception record of the side not running
    SanitizerFiberSwitch sanitizer_;
};

// region: aliases
// Both back-ends are compiled once, in fiber.cpp; every other file only uses them (and
// inlines resume(), yield() and the switch: inline functions are exempt from `extern template`).
extern template class BasicFiber<UcontextSwitch>;
extern template class BasicFiber<AssemblySwitch>;

// Chapter 01's name keeps its meaning: a fiber on ucontext.
using Fiber = BasicFiber<UcontextSwitch>;
// endregion

}  // namespace asyncio
