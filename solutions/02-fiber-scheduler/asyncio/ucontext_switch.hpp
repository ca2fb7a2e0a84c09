// UcontextSwitch: chapter 01's context switch (getcontext/makecontext/swapcontext) as one
// of the two back-ends a fiber can use. Introduced in chapter 02; the code itself is
// chapter 01's, moved here out of Fiber so that it can be swapped for AssemblySwitch.
#pragma once

#include <asyncio/context_switch.hpp>
#include <asyncio/stack.hpp>

#include <ucontext.h>

namespace asyncio {

struct UcontextSwitch {
    static constexpr char const* name = "ucontext";

    struct Context {
        ucontext_t registers{};
        // Where a prepared context starts. makecontext can pass only `int` arguments,
        // so the start function receives the address of this Context and reads them here.
        ContextEntry entry = nullptr;
        void* argument = nullptr;
    };

    static void prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument);

    // swapcontext saves and restores the signal mask too: one rt_sigprocmask system call
    // on every switch, which is most of its cost (see ch02_switch_cost).
    static void swap(Context& save, Context& load) noexcept;
};

static_assert(ContextSwitch<UcontextSwitch>);

}  // namespace asyncio
