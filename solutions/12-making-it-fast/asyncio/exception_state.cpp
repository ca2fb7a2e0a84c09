// ExceptionState (chapter 12): the one call into the C++ runtime that the cached swap
// still makes, once per thread.
#include <asyncio/exception_state.hpp>

#include <cxxabi.h>

namespace asyncio::detail {

#if defined(__ARM_EABI_UNWINDER__)
#error "ExceptionState assumes the Itanium C++ ABI layout of __cxa_eh_globals; ARM EHABI differs"
#endif

EhGlobals* thread_eh_globals_from_runtime() noexcept {
    return reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
}

}  // namespace asyncio::detail
