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

// BEGIN EXERCISE fiber-context: Make context_ start Fiber::entry on stack_, passing `this` split into two ints.
// region: makecontext
void Fiber::prepare_context() {
    // makecontext needs a context to modify: getcontext fills in everything (the signal
    // mask, the floating-point state) that we do not set ourselves below.
    if (getcontext(&context_) != 0) throw std::system_error(errno, std::generic_category(), "getcontext");
    context_.uc_stack.ss_sp = stack_.bottom();
    context_.uc_stack.ss_size = stack_.size();
    // Where to go if entry() returned (nullptr: exit the process). It never returns:
    // run() switches out for the last time instead.
    context_.uc_link = nullptr;

    // region: pointer-split
    // makecontext passes only `int` arguments (POSIX says so), and a pointer does not fit
    // into one on a 64-bit machine. glibc on x86-64 happens to copy 64-bit values, but
    // code that relies on it is undefined and breaks elsewhere: send the two halves.
    // (Through uint64_t, so that the shift by 32 is also defined where pointers are 32 bits.)
    auto const address = std::uint64_t{reinterpret_cast<std::uintptr_t>(this)};
    auto const high = static_cast<int>(static_cast<std::uint32_t>(address >> 32));
    auto const low = static_cast<int>(static_cast<std::uint32_t>(address));
    // endregion
    // The cast is the API's: makecontext takes a function of no arguments and calls it
    // with the `argc` (here 2) arguments that follow.
    makecontext(&context_, reinterpret_cast<void (*)()>(&Fiber::entry), 2, high, low);
}
// endregion

// region: pointer-join
void Fiber::entry(int high, int low) noexcept {
    // Undo the split: through uint32_t, so a negative `low` does not sign-extend.
    auto const address = (std::uint64_t{static_cast<std::uint32_t>(high)} << 32) |
                         std::uint64_t{static_cast<std::uint32_t>(low)};
    reinterpret_cast<Fiber*>(static_cast<std::uintptr_t>(address))->run();
}
// endregion
// STUB
// void Fiber::prepare_context() {
//     (void)context_;  // the context to prepare
//     throw_todo("ch01", "fiber-context");
// }
// void Fiber::entry(int high, int low) noexcept {
//     (void)high;
//     (void)low;
// }
// END EXERCISE

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

// BEGIN EXERCISE fiber-switch: Save the running side's registers and continue the other side with swapcontext.
// region: switch
void Fiber::switch_in() {
    Fiber* const resumer = current_fiber;  // a local: it lives on the resumer's stack
    current_fiber = this;
    state_ = State::running;
    parked_exceptions_.swap_with_thread();  // park the resumer's exception record, take the fiber's
    sanitizer_.entering_fiber(stack_.bottom(), stack_.size());
    // Saves our registers in resumer_context_ and loads the fiber's. Returns only when the
    // fiber switches back to resumer_context_: it yielded or finished.
    if (swapcontext(&resumer_context_, &context_) != 0) fatal_error("swapcontext into a fiber failed");
    sanitizer_.back_in_resumer();
    current_fiber = resumer;
}

void Fiber::switch_out() {
    parked_exceptions_.swap_with_thread();  // park the fiber's record, give the resumer its own back
    sanitizer_.leaving_fiber(state_ == State::finished);
    if (swapcontext(&context_, &resumer_context_) != 0) fatal_error("swapcontext out of a fiber failed");
    // Resumed again, possibly by a different resumer than last time.
    sanitizer_.arrived_in_fiber();
}
// endregion
// STUB
// void Fiber::switch_in() {
//     (void)resumer_context_;  // where the resumer's registers go while the fiber runs
//     throw_todo("ch01", "fiber-switch");
// }
// void Fiber::switch_out() {
//     throw_todo("ch01", "fiber-switch");
// }
// END EXERCISE

// BEGIN EXERCISE fiber-exceptions: Catch whatever escapes body_ into exception_, and rethrow it from resume().
// region: exceptions
void Fiber::run_body() noexcept {
    // Nothing may escape: below this frame is the start of the fiber's stack, with no
    // caller to unwind into. Keep the exception and hand it to the resumer's stack.
    try {
        body_();
    } catch (...) {
        exception_ = std::current_exception();
    }
}

void Fiber::rethrow_if_failed() {
    if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
}
// endregion
// STUB
// void Fiber::run_body() noexcept {
//     try {
//         body_();
//     } catch (...) {
//         throw_todo("ch01", "fiber-exceptions");  // in a noexcept function: std::terminate
//     }
// }
// void Fiber::rethrow_if_failed() {}
// END EXERCISE

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
