// Fiber on ucontext (chapter 01): context set-up, the switch in both directions,
// exceptions across the switch, and the forced unwind of a destroyed fiber.
#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/forced_unwind.hpp>
#include <asyncio/todo.hpp>  // throw_todo, for the exercise stubs

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace asyncio {
namespace {

// The fiber running on this thread; nullptr while the thread runs on its own stack.
// A fiber stays on the thread that first resumed it: compilers may keep the address of a
// thread_local in a register across a call, so a fiber moved to another thread could go
// on using the old thread's variables.
thread_local Fiber* current_fiber = nullptr;

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

Fiber::Fiber(std::function<void()> body, std::size_t stack_size) : body_(std::move(body)), stack_(stack_size) {
    if (!body_) throw std::invalid_argument("Fiber: the body must not be empty");
    prepare_context();
}

Fiber* Fiber::current() noexcept { return current_fiber; }

// TODO(fiber-context): Make context_ start Fiber::entry on stack_, passing `this` split
// into two ints.
void Fiber::prepare_context() {
    (void)context_;  // the context to prepare
    throw_todo("ch01", "fiber-context");
}
void Fiber::entry(int high, int low) noexcept {
    (void)high;
    (void)low;
}

// region: run
// The whole life of a fiber, on its own stack. It must never return: below entry() there
// is only glibc's start frame, which goes on to uc_link, and with none calls exit(0): the
// whole program would stop, reporting success.
void Fiber::run() noexcept {
    sanitizer_.arrived_in_fiber();
    run_body();
    state_ = State::finished;
    switch_out();
    fatal_error("a finished fiber was resumed");
}
// endregion

void Fiber::resume() {
    if (state_ == State::finished) throw RuntimeError("Fiber::resume(): the fiber has finished");
    if (state_ == State::running)
        throw RuntimeError("Fiber::resume(): the fiber is running (it is the current fiber or one of its resumers)");
    switch_in();
    rethrow_if_failed();
}

// region: yield
void Fiber::yield() {
    Fiber* const self = current_fiber;
    if (self == nullptr) throw RuntimeError("Fiber::yield() called outside a fiber");
    self->state_ = State::suspended;
    self->switch_out();
    // Resumed: by resume(), or by the destructor, which wants the stack unwound.
    if (self->unwind_requested_) throw ForcedUnwind{};
}
// endregion

// TODO(fiber-switch): Save the running side's registers and continue the other side
// with swapcontext.
void Fiber::switch_in() {
    (void)resumer_context_;  // where the resumer's registers go while the fiber runs
    throw_todo("ch01", "fiber-switch");
}
void Fiber::switch_out() {
    throw_todo("ch01", "fiber-switch");
}

// TODO(fiber-exceptions): Catch whatever escapes body_ into exception_, and rethrow it
// from resume().
void Fiber::run_body() noexcept {
    try {
        body_();
    } catch (...) {
        throw_todo("ch01", "fiber-exceptions");  // in a noexcept function: std::terminate
    }
}
void Fiber::rethrow_if_failed() {}

// region: forced-unwind
// region: forced-unwind-destructor
Fiber::~Fiber() {
    if (state_ == State::suspended) unwind();
    // Destroying the fiber we are running on (or one of its resumers) would free the
    // stack under our feet; there is no way to report it but to stop.
    if (state_ == State::running)
        fatal_error("destroyed while running (it, or a fiber it resumed, is executing)");
    // created: the body never ran, nothing lives on the stack. finished: all unwound.
}
// endregion

// region: forced-unwind-unwind
void Fiber::unwind() noexcept {
    // The fiber is parked inside yield(), which throws ForcedUnwind when it wakes up and
    // finds this flag. The exception unwinds the fiber's stack, running destructors, up
    // to run_body(), which keeps it in exception_; then the fiber finishes.
    unwind_requested_ = true;
    switch_in();
    if (state_ != State::finished)
        fatal_error("fiber ignored ForcedUnwind: a catch (...) inside it did not rethrow, "
                    "and it yielded again, so its stack cannot be unwound; "
                    "end every catch (...) in a fiber with `throw;`");
    if (exception_ && !is_forced_unwind(exception_))
        fatal_error("fiber replaced ForcedUnwind by another exception while it was being destroyed");
    exception_ = nullptr;
}
// endregion
// endregion

}  // namespace asyncio
