// AssemblySwitch (chapter 02): the x86-64 System V context switch, written by hand (and
// below it the same for AArch64).
// Two pieces of assembly (the switch and the first frame's trampoline) and the C++ that
// lays out a new fiber's first frame so that the switch can "return" into it.
#include <asyncio/assembly_switch.hpp>
#include <asyncio/sanitizer.hpp>
#include <asyncio/todo.hpp>

#if defined(__x86_64__) && defined(__ELF__)

#include <cstddef>
#include <cstdint>
#include <new>

#if ASYNCIO_ASAN
#include <sanitizer/asan_interface.h>
#endif

// Defined in the assembly below. Declared here so C++ can call the one and take the
// address of the other.
extern "C" {
// Pushes the running side's callee-saved registers and floating-point control words on
// its own stack, stores the stack pointer in *save, loads `load` as the stack pointer,
// pops the other side's registers and returns into the other side.
void asyncio_switch_stacks(void** save, void* load) noexcept;
// The first code a new fiber runs: calls entry(argument), which never returns.
void asyncio_fiber_trampoline() noexcept;
}

namespace asyncio {
namespace {

// region: saved-frame
// What asyncio_switch_stacks leaves on the stack of the side it suspends, lowest address
// first: a suspended side's Context::stack_pointer points at `mxcsr`. The fields are
// in the reverse order of the pushes, because the stack grows down.
struct SavedFrame {
    std::uint32_t mxcsr;             // SSE control/status: rounding mode, exception masks
    std::uint16_t x87_control_word;  // x87 precision, rounding mode, exception masks
    std::uint16_t padding;
    std::uint64_t r15, r14, r13, r12, rbx, rbp;  // the callee-saved registers
    std::uint64_t return_address;                // pushed by the `call`; the switch continues there
};
static_assert(sizeof(SavedFrame) == 64, "the assembly below assumes this layout");
// endregion

}  // namespace

// TODO(asm-switch): Write the switch and trampoline in assembly; prepare() a first
// SavedFrame.
void AssemblySwitch::prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument) {
    (void)context;
    (void)stack;
    (void)entry;
    (void)argument;
    throw_todo("ch02", "asm-switch");
}

void AssemblySwitch::swap(Context& save, Context& load) noexcept {
    (void)save;
    (void)load;
    throw_todo("ch02", "asm-switch");  // in a noexcept function: std::terminate
}

}  // namespace asyncio

#elif defined(__aarch64__) && defined(__ELF__)

// The same switch for AArch64 (64-bit Arm: Apple silicon under Linux, Raspberry Pi 4/5,
// Graviton). Its calling convention (AAPCS64) lets a called function clobber every
// register except x19-x28, the frame pointer x29, the stack pointer, and the low halves
// d8-d15 of v8-v15; the link register x30 holds our own return address. FPCR holds the
// rounding mode, which each side keeps as MXCSR does on x86-64.

#include <cstddef>
#include <cstdint>
#include <new>

#if ASYNCIO_ASAN
#include <sanitizer/asan_interface.h>
#endif

extern "C" {
void asyncio_switch_stacks(void** save, void* load) noexcept;
void asyncio_fiber_trampoline() noexcept;
}

namespace asyncio {
namespace {

// What asyncio_switch_stacks leaves on the stack of the side it suspends, lowest address
// first; a suspended side's Context::stack_pointer points at x19. 176 bytes: the stack
// pointer must stay a multiple of 16 on AArch64 at all times.
struct SavedFrame {
    std::uint64_t x19, x20, x21, x22, x23, x24, x25, x26, x27, x28;
    std::uint64_t fp;  // x29
    std::uint64_t lr;  // x30: where the switch returns to on this side
    std::uint64_t d8, d9, d10, d11, d12, d13, d14, d15;
    std::uint64_t fpcr;
    std::uint64_t padding;
};
static_assert(sizeof(SavedFrame) == 176, "the assembly below assumes this layout");

}  // namespace

// TODO(asm-switch): (AArch64) Write the switch and trampoline in assembly; prepare() a
// first SavedFrame.
void AssemblySwitch::prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument) {
    (void)context;
    (void)stack;
    (void)entry;
    (void)argument;
    throw_todo("ch02", "asm-switch");
}

void AssemblySwitch::swap(Context& save, Context& load) noexcept {
    (void)save;
    (void)load;
    throw_todo("ch02", "asm-switch");  // in a noexcept function: std::terminate
}

}  // namespace asyncio

#endif  // x86-64 or AArch64 ELF
