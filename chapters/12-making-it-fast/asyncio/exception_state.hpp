// ExceptionState: the C++ runtime's per-thread record of the exceptions being handled,
// kept per stack (chapter 01). Chapter 12 makes its swap cheap: the address of the
// thread's record is looked up once per thread and kept in a thread_local, instead of
// asking the runtime (__cxa_get_globals, a call into libstdc++.so that calls
// __tls_get_addr) on every switch. The swap is inline, so a fiber's switch has no call in it.
#pragma once

#include <asyncio/todo.hpp>  // throw_todo, for the exercise stub

#include <utility>

namespace asyncio {

// region: eh-globals
namespace detail {

// The layout the Itanium C++ ABI gives __cxa_eh_globals, used by both libstdc++ and
// libc++abi (chapter 01's exception_state.cpp explains it; ARM EHABI differs, and that
// file refuses to compile there).
struct EhGlobals {
    void* caught_exceptions;
    unsigned int uncaught_exceptions;
};

// Asks the C++ runtime for the calling thread's record (abi::__cxa_get_globals). Out of
// line, in exception_state.cpp: <cxxabi.h> is not needed by every file that switches.
EhGlobals* thread_eh_globals_from_runtime() noexcept;

// The calling thread's record, once a switch on this thread has looked it up; nullptr
// before. `constinit`: no dynamic initialisation, so reading it is one instruction (a
// load relative to the thread pointer, %fs on x86-64), with no hidden call to a TLS
// wrapper that would initialise it on first use.
inline thread_local constinit EhGlobals* thread_eh_globals = nullptr;

}  // namespace detail
// endregion

class ExceptionState {
public:
    // region: swap-with-thread
    // Exchanges the running thread's record with the one kept here. Called once on every
    // switch, so this object always holds the record of the side that is not running.
    void swap_with_thread() noexcept {
        // TODO(cached-exception-record): Find this thread's record through its cache;
        // swap both fields.
        (void)caught_exceptions_;
        (void)uncaught_exceptions_;
        throw_todo("ch12", "cached-exception-record");  // in a noexcept function: std::terminate
    }
    // endregion

private:
    void* caught_exceptions_ = nullptr;     // the stack of exceptions in catch blocks: `throw;` rethrows its top
    unsigned int uncaught_exceptions_ = 0;  // thrown, not yet caught: std::uncaught_exceptions()
};

}  // namespace asyncio
