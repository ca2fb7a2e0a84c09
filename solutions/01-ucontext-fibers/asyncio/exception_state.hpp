// ExceptionState: the C++ runtime's per-thread record of the exceptions being handled,
// kept per stack. Introduced in chapter 01: a fiber that yields inside a catch block must
// find its own exception again (for `throw;`) when it is resumed, so every switch swaps it.
#pragma once

namespace asyncio {

class ExceptionState {
public:
    // region: swap-with-thread
    // Exchanges the running thread's record with the one kept here. Called once on every
    // switch, so this object always holds the record of the side that is not running.
    void swap_with_thread() noexcept;
    // endregion

private:
    void* caught_exceptions_ = nullptr;  // the stack of exceptions in catch blocks: `throw;` rethrows its top
    unsigned int uncaught_exceptions_ = 0;  // thrown, not yet caught: std::uncaught_exceptions()
};

}  // namespace asyncio
