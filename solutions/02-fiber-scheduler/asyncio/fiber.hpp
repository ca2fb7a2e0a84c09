// BasicFiber<Switch>: a stackful coroutine. resume() runs it until it calls yield() or
// returns; yield() goes back to whoever resumed it. Introduced in chapter 01 as Fiber on
// ucontext; chapter 02 made the context switch a template parameter (ContextSwitch).
#pragma once

#include <asyncio/assembly_switch.hpp>
#include <asyncio/context_switch.hpp>
#include <asyncio/exception_state.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/ucontext_switch.hpp>

#include <cstddef>
#include <exception>
#include <functional>

namespace asyncio {

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

    // Runs the fiber until it yields or finishes. An exception that escaped the body comes
    // out of here. Resuming a finished fiber, or one that is running (itself, or a fiber
    // further up the chain of resumers), throws RuntimeError.
    void resume();

    bool done() const noexcept { return state_ == State::finished; }

    // From inside a fiber: back to whoever resumed it; returns when it is resumed again.
    // On the thread's own stack (outside any fiber) it throws RuntimeError.
    static void yield();

    // The fiber of this back-end running on this thread, or nullptr on the thread's own
    // stack. (Each back-end keeps its own: do not nest fibers of different back-ends.)
    static BasicFiber* current() noexcept;

private:
    enum class State { created, running, suspended, finished };

    static void entry(void* fiber) noexcept;  // where the context starts: calls run()
    void run() noexcept;                      // the fiber's whole life, on its stack
    void switch_in();                         // resumer -> fiber
    void switch_out();                        // fiber -> resumer
    void run_body() noexcept;                 // catch what escapes the body ...
    void rethrow_if_failed();                 // ... and rethrow it from resume()
    void unwind() noexcept;                   // the destructor's forced unwind

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
// Both back-ends are compiled once, in fiber.cpp; every other file only uses them.
extern template class BasicFiber<UcontextSwitch>;
extern template class BasicFiber<AssemblySwitch>;

// Chapter 01's name keeps its meaning: a fiber on ucontext.
using Fiber = BasicFiber<UcontextSwitch>;
// endregion

}  // namespace asyncio
