// Fiber: a stackful coroutine on getcontext/makecontext/swapcontext. resume() runs it
// until it calls Fiber::yield() or returns; yield() goes back to whoever resumed it.
// Introduced in chapter 01; chapter 02's scheduler is built on exactly this interface.
#pragma once

#include <asyncio/exception_state.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/stack.hpp>

#include <ucontext.h>

#include <cstddef>
#include <exception>
#include <functional>

namespace asyncio {

class Fiber {
public:
    static constexpr std::size_t default_stack_size = 64 * 1024;

    // The body does not run yet: the first resume() starts it on a stack of its own of
    // at least `stack_size` bytes (rounded up to whole pages, plus a guard page).
    explicit Fiber(std::function<void()> body, std::size_t stack_size = default_stack_size);

    // A suspended fiber is unwound first (ForcedUnwind is thrown at its yield(), so the
    // destructors of the objects on its stack run), then its stack is freed.
    ~Fiber();

    // Not copyable, and not movable either: the saved context and the stack hold
    // addresses inside this object.
    Fiber(Fiber const&) = delete;
    Fiber& operator=(Fiber const&) = delete;

    // Runs the fiber until it yields or finishes. An exception that escaped the body comes
    // out of here. Resuming a finished fiber, or one that is running (itself, or a fiber
    // further up the chain of resumers), throws RuntimeError.
    void resume();

    bool done() const noexcept { return state_ == State::finished; }

    // From inside a fiber: back to whoever resumed it; returns when it is resumed again.
    // On the thread's own stack (outside any fiber) it throws RuntimeError.
    static void yield();

    // The fiber running on this thread, or nullptr on the thread's own stack.
    static Fiber* current() noexcept;

private:
    enum class State { created, running, suspended, finished };

    void prepare_context();                           // fiber-context
    static void entry(int high, int low) noexcept;    // fiber-context: where makecontext starts
    void run() noexcept;                              // the fiber's whole life, on its stack
    void switch_in();                                 // fiber-switch: resumer -> fiber
    void switch_out();                                // fiber-switch: fiber -> resumer
    void run_body() noexcept;                         // fiber-exceptions: catch what escapes
    void rethrow_if_failed();                         // fiber-exceptions: ... and rethrow it
    void unwind() noexcept;                           // the destructor's forced unwind

    std::function<void()> body_;
    FiberStack stack_;
    ucontext_t context_{};          // the fiber's registers while it is not running
    ucontext_t resumer_context_{};  // the resumer's registers while the fiber runs
    State state_ = State::created;
    std::exception_ptr exception_;  // what escaped the body, until resume() rethrows it
    bool unwind_requested_ = false;
    ExceptionState parked_exceptions_;  // the exception record of the side not running
    SanitizerFiberSwitch sanitizer_;
};

}  // namespace asyncio
