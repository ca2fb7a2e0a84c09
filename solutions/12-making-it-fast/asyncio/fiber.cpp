// BasicFiber (chapters 01, 02 and 12): what is not on the switch's fast path. The fast
// path itself (resume, yield, the switch in both directions) is inline in fiber.hpp.
#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/forced_unwind.hpp>

#include <cstdio>
#include <stdexcept>
#include <utility>

namespace asyncio {
namespace {

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

template <ContextSwitch Switch>
BasicFiber<Switch>::BasicFiber(std::function<void()> body, std::size_t stack_size)
    : body_(std::move(body)), stack_(stack_size) {
    if (!body_) throw std::invalid_argument("Fiber: the body must not be empty");
    Switch::prepare(context_, stack_, &BasicFiber::entry, this);
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::entry(void* fiber) noexcept {
    static_cast<BasicFiber*>(fiber)->run();
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

// region: cold-paths
template <ContextSwitch Switch>
void BasicFiber<Switch>::refuse_resume() const {
    if (state_ == State::finished) throw RuntimeError("Fiber::resume(): the fiber has finished");
    throw RuntimeError("Fiber::resume(): the fiber is running (it is the current fiber or one of its resumers)");
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::refuse_yield() {
    throw RuntimeError("Fiber::yield() called outside a fiber");
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::throw_forced_unwind() {
    throw ForcedUnwind{};
}

template <ContextSwitch Switch>
void BasicFiber<Switch>::rethrow_failure() {
    std::rethrow_exception(std::exchange(exception_, nullptr));
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

// The two back-ends, compiled here once (fiber.hpp declares them `extern template`).
template class BasicFiber<UcontextSwitch>;
template class BasicFiber<AssemblySwitch>;

}  // namespace asyncio
