// AssemblySwitch: a context switch written by hand in x86-64 (or AArch64) assembly. It
// saves only what the calling convention says a function must preserve, and makes no
// system call: it is what boost.context does, and tens of times faster than swapcontext.
// Introduced in chapter 02 (the bonus step asm-switch). On other CPUs it falls back to
// ucontext.
#pragma once

#include <asyncio/context_switch.hpp>
#include <asyncio/stack.hpp>
#include <asyncio/ucontext_switch.hpp>

namespace asyncio {

#if (defined(__x86_64__) || defined(__aarch64__)) && defined(__ELF__)

// region: assembly-switch
struct AssemblySwitch {
    static constexpr char const* name = "assembly";
    static constexpr bool hand_written = true;

    // A suspended side is nothing but its stack pointer: everything else it needs is on
    // its own stack, pushed there by the switch (see assembly_switch.cpp).
    struct Context {
        void* stack_pointer = nullptr;
    };

    static void prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument);
    static void swap(Context& save, Context& load) noexcept;
};
// endregion

#else

// No hand-written switch for this CPU (there are two: x86-64 and AArch64, in
// assembly_switch.cpp). Fall back to ucontext, so the course still builds and every test
// still runs; tests of the assembly itself skip.
struct AssemblySwitch : UcontextSwitch {
    static constexpr char const* name = "ucontext (no hand-written switch for this CPU)";
    static constexpr bool hand_written = false;
};

#endif

static_assert(ContextSwitch<AssemblySwitch>);

}  // namespace asyncio
