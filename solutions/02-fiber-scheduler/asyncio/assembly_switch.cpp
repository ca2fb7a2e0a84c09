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

// BEGIN EXERCISE asm-switch: Write the switch and trampoline in assembly; prepare() a first SavedFrame.
// region: switch-asm
// The System V ABI lets a called function clobber every register except rbx, rbp,
// r12-r15 and rsp, and the control bits of MXCSR and the x87 control word. So a call of
// asyncio_switch_stacks needs to keep exactly those: the compiler saves everything else
// around the call anyway, as it would for any call. rdi = save, rsi = load.
//
// It ends with pop + jmp where `ret` would do. The CPU predicts where a `ret` goes from
// a little stack of the return addresses of recent calls (the return stack buffer), and
// that guess is always wrong here: we return to the other side's caller, not to ours.
// An indirect jmp is predicted from where the same jump went before, which for two
// fibers taking turns is right. Measured here: 12 ns per switch with `ret`, 5.6 with jmp.
__asm__(R"(
    .pushsection .text
    .globl asyncio_switch_stacks
    .type asyncio_switch_stacks, @function
    .p2align 4
asyncio_switch_stacks:
    .cfi_startproc
    pushq %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    pushq %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbx, 0
    pushq %r12
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r12, 0
    pushq %r13
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r13, 0
    pushq %r14
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r14, 0
    pushq %r15
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %r15, 0
    subq $8, %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw 4(%rsp)

    movq %rsp, (%rdi)       # this side is now suspended: its stack pointer says it all
    movq %rsi, %rsp         # the other side's stack, with the same frame on top

    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq %r15
    .cfi_adjust_cfa_offset -8
    popq %r14
    .cfi_adjust_cfa_offset -8
    popq %r13
    .cfi_adjust_cfa_offset -8
    popq %r12
    .cfi_adjust_cfa_offset -8
    popq %rbx
    .cfi_adjust_cfa_offset -8
    popq %rbp
    .cfi_adjust_cfa_offset -8
    popq %rcx               # the other side's return address: right after its own call
    .cfi_adjust_cfa_offset -8
    .cfi_register %rip, %rcx
    jmpq *%rcx              # of this function. Not `ret`: see the comment above
    .cfi_endproc
    .size asyncio_switch_stacks, .-asyncio_switch_stacks

    .globl asyncio_fiber_trampoline
    .type asyncio_fiber_trampoline, @function
    .p2align 4
asyncio_fiber_trampoline:
    .cfi_startproc
    .cfi_undefined %rip     # the bottom of a fiber's stack: debuggers and unwinders stop here
    movq %r13, %rdi         # prepare() left the argument in r13 ...
    callq *%r12             # ... and the entry function in r12
    ud2                     # entry never returns
    .cfi_endproc
    .size asyncio_fiber_trampoline, .-asyncio_fiber_trampoline
    .popsection
)");
// endregion

// region: prepare
void AssemblySwitch::prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument) {
#if ASYNCIO_ASAN
    // A new stack may reuse the addresses of an old one whose last frames were never
    // returned from, and ASan would still see their red zones. ASan's swapcontext
    // interceptor clears a ucontext stack for the same reason; ours it does not know.
    __asan_unpoison_memory_region(stack.bottom(), stack.size());
#endif
    // The first switch into the fiber pops this frame as if the fiber had called
    // asyncio_switch_stacks itself, and its `ret` lands in the trampoline with the
    // entry function in r12 and its argument in r13.
    // The stack top is page aligned. The frame ends 16 bytes below it, so that after the
    // `ret` the trampoline has rsp % 16 == 0, and its `call` gives entry() the alignment
    // every function expects on arrival: rsp % 16 == 8.
    auto* const top = static_cast<std::byte*>(stack.bottom()) + stack.size();
    auto* const frame = ::new (static_cast<void*>(top - 16 - sizeof(SavedFrame))) SavedFrame{};
    // A new fiber starts with its creator's floating-point settings, as with makecontext.
    __asm__ volatile("stmxcsr %0" : "=m"(frame->mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(frame->x87_control_word));
    frame->r12 = reinterpret_cast<std::uintptr_t>(entry);
    frame->r13 = reinterpret_cast<std::uintptr_t>(argument);
    frame->rbp = 0;  // a null frame pointer ends frame-pointer walks (profilers, debuggers)
    frame->return_address = reinterpret_cast<std::uintptr_t>(&asyncio_fiber_trampoline);
    context.stack_pointer = frame;
}

void AssemblySwitch::swap(Context& save, Context& load) noexcept {
    asyncio_switch_stacks(&save.stack_pointer, load.stack_pointer);
}
// endregion
// STUB
// void AssemblySwitch::prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument) {
//     (void)context;
//     (void)stack;
//     (void)entry;
//     (void)argument;
//     throw_todo("ch02", "asm-switch");
// }
//
// void AssemblySwitch::swap(Context& save, Context& load) noexcept {
//     (void)save;
//     (void)load;
//     throw_todo("ch02", "asm-switch");  // in a noexcept function: std::terminate
// }
// END EXERCISE

}  // namespace asyncio

#endif  // x86-64 ELF
