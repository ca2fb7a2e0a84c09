// BasicFiber (chapters 01 and 02): chapter 01's Fiber with the context switch taken out
// into a back-end (UcontextSwitch or AssemblySwitch). Everything a switch needs besides
// the registers stays here, the same for both: the current fiber, the exception record,
// the sanitizer annotations, exceptions across the switch and the forced unwind.
#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/forced_unwind.hpp>

#include <cstdio>
#include <stdexcept>
#include <utility>

namespace asyncio {
namespace {

// The fiber of back-end S running on this thread; nullptr while the thread runs on its
// own stack. A fiber stays on the thread that first resumed it: compilers may keep the
// address of a thread_local in a register across a call, so a fiber moved to another
// thread could go on using the old thread's variables.
template <ContextSwitch S>
thread_local BasicFiber<S>* current_fiber = nullptr;

// For broken invariants that cannot be reported by an exception (we are in a destructor,
// or on a fiber's stack with nowhere to throw to).
[[noreturn]] void fatal_error(char const* message) noexcept {
    std::fputs("asyncio::Fiber: ", stderr);
    std::fputs(message, stderr);
    std::fputs("\n", stderr);
    std::terminate();
}

bool is_forced_unwind(std::exception_ptr const& exception) noexcept {
    try {
        std::rethrow_exception(exception);
    } catch (ForcedUnwind const&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace

// region: prepare
template <ContextSwitch Switch>
BasicFiber<Switch>::BasicFiber(std::function<void()> body, std::size_t stack_size)
    : body_(std::move(body)), stack_(stack_size) {
    if (!body_) throw std::invalid_argument("Fiber: the body must not be empty");
    // Chapter 01 called makecontext here; now the back-end lays out the first frame.
    Switch::prepare(context_, stack_, &BasicFiber::entry, this);
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::entry(void* fiber) noexcept {
    static_cast<BasicFiber*>(fiber)->run();
}
// endregion

template <ContextSwitch Switch>
BasicFiber<Switch>* BasicFiber<Switch>::current() noexcept {
    return current_fiber<Switch>;
}

// The whole life of a fiber, on its own stack. It must never return: below entry() there
// is only the back-end's start frame, with nowhere to return to.
template <ContextSwitch Switch>
void BasicFiber<Switch>::run() noexcept {
    sanitizer_.arrived_in_fiber();
    run_body();
    state_ = State::finished;
    switch_out();
    fatal_error("a finished fiber was resumed");
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::resume() {
    if (state_ == State::finished) throw RuntimeError("Fiber::resume(): the fiber has finished");
    if (state_ == State::running)
        throw RuntimeError("Fiber::resume(): the fiber is running (it is the current fiber or one of its resumers)");
    switch_in();
    rethrow_if_failed();
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::yield() {
    BasicFiber* const self = current_fiber<Switch>;
    if (self == nullptr) throw RuntimeError("Fiber::yield() called outside a fiber");
    self->state_ = State::suspended;
    self->switch_out();
    // Resumed: by resume(), or by the destructor, which wants the stack unwound.
    if (self->unwind_requested_) throw ForcedUnwind{};
}

// region: switch
template <ContextSwitch Switch>
void BasicFiber<Switch>::switch_in() {
    BasicFiber* const resumer = current_fiber<Switch>;  // a local: it lives on the resumer's stack
    current_fiber<Switch> = this;
    state_ = State::running;
    parked_exceptions_.swap_with_thread();  // park the resumer's exception record, take the fiber's
    sanitizer_.entering_fiber(stack_.bottom(), stack_.size());
    // Saves our registers in resumer_context_ and loads the fiber's. Returns only when the
    // fiber switches back to resumer_context_: it yielded or finished.
    Switch::swap(resumer_context_, context_);
    sanitizer_.back_in_resumer();
    current_fiber<Switch> = resumer;
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::switch_out() {
    parked_exceptions_.swap_with_thread();  // park the fiber's record, give the resumer its own back
    sanitizer_.leaving_fiber(state_ == State::finished);
    Switch::swap(context_, resumer_context_);
    // Resumed again, possibly by a different resumer than last time.
    sanitizer_.arrived_in_fiber();
}
// endregion

template <ContextSwitch Switch>
void BasicFiber<Switch>::run_body() noexcept {
    // Nothing may escape: below this frame is the start of the fiber's stack, with no
    // caller to unwind into. Keep the exception and hand it to the resumer's stack.
    try {
        body_();
    } catch (...) {
        exception_ = std::current_exception();
    }
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::rethrow_if_failed() {
    if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
}

template <ContextSwitch Switch>
BasicFiber<Switch>::~BasicFiber() {
    if (state_ == State::suspended) unwind();
    // Destroying the fiber we are running on (or one of its resumers) would free the
    // stack under our feet; there is no way to report it but to stop.
    if (state_ == State::running) fatal_error("destroyed while running (it, or a fiber it resumed, is executing)");
    // created: the body never ran, nothing lives on the stack. finished: all unwound.
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::unwind() noexcept {
    // The fiber is parked inside yield(), which throws ForcedUnwind when it wakes up and
    // finds this flag. The exception unwinds the fiber's stack, running destructors, up
    // to run_body(), which keeps it in exception_; then the fiber finishes.
    unwind_requested_ = true;
    switch_in();
    if (state_ != State::finished)
        fatal_error(
            "fiber ignored ForcedUnwind: a catch (...) inside it did not rethrow, and it yielded again, "
            "so its stack cannot be unwound; end every catch (...) in a fiber with `throw;`");
    if (exception_ && !is_forced_unwind(exception_))
        fatal_error("fiber replaced ForcedUnwind by another exception while it was being destroyed");
    exception_ = nullptr;
}

// region: instantiations
// The two back-ends, compiled here once (fiber.hpp declares them `extern template`).
template class BasicFiber<UcontextSwitch>;
template class BasicFiber<AssemblySwitch>;
// endregion

}  // namespace asyncio
