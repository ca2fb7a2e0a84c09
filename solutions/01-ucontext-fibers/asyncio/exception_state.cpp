// Saving and restoring the thread's exception globals on a fiber switch (chapter 01).
#include <asyncio/exception_state.hpp>

#include <cxxabi.h>

#include <utility>

namespace asyncio {
namespace {

// region: eh-globals
// The layout the Itanium C++ ABI gives __cxa_eh_globals, used by both libstdc++ and
// libc++abi (ARM's EHABI adds a third field; we do not support it). <cxxabi.h> declares
// the type but does not define it, so we read it through our own copy of the layout.
struct EhGlobals {
    void* caught_exceptions;
    unsigned int uncaught_exceptions;
};
// endregion

#if defined(__ARM_EABI_UNWINDER__)
#error "ExceptionState assumes the Itanium C++ ABI layout of __cxa_eh_globals; ARM EHABI differs"
#endif

}  // namespace

// region: exception-state
void ExceptionState::swap_with_thread() noexcept {
    // Each thread has one such record, and the runtime assumes one stack per thread:
    // `throw;` rethrows the most recently caught exception *of the thread*. Without this
    // swap a fiber resumed from another fiber's catch block would rethrow that one's
    // exception, and the catch blocks would end in the wrong order.
    auto* const globals = reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
    std::swap(globals->caught_exceptions, caught_exceptions_);
    std::swap(globals->uncaught_exceptions, uncaught_exceptions_);
}
// endregion

}  // namespace asyncio
