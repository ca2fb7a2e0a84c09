// AssemblySwitch (chapter 02): the x86-64 System V context switch, written by hand.
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

#endif  // x86-64 ELF
