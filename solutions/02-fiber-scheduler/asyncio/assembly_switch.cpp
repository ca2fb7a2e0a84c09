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

// BEGIN EXERCISE asm-switch: (AArch64) Write the switch and trampoline in assembly; prepare() a first SavedFrame.
// x0 = save, x1 = load. It ends with `ret`, which jumps to x30: the other side's return
// address, loaded from its frame (the return-prediction cost of x86-64's `ret` applies
// here too; `br x30` would avoid it, but needs a `bti` landing pad where branch target
// identification is on).
__asm__(R"(
    .pushsection .text
    .globl asyncio_switch_stacks
    .type asyncio_switch_stacks, %function
    .p2align 4
asyncio_switch_stacks:
    .cfi_startproc
    sub sp, sp, #176
    .cfi_def_cfa_offset 176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    .cfi_offset x29, -96
    .cfi_offset x30, -88
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]

    mov x9, sp
    str x9, [x0]            // this side is now suspended: its stack pointer says it all
    mov sp, x1              // the other side's stack, with the same frame on top

    ldr x9, [sp, #160]
    msr fpcr, x9
    ldp d14, d15, [sp, #144]
    ldp d12, d13, [sp, #128]
    ldp d10, d11, [sp, #112]
    ldp d8, d9, [sp, #96]
    ldp x29, x30, [sp, #80]
    ldp x27, x28, [sp, #64]
    ldp x25, x26, [sp, #48]
    ldp x23, x24, [sp, #32]
    ldp x21, x22, [sp, #16]
    ldp x19, x20, [sp, #0]
    add sp, sp, #176
    .cfi_def_cfa_offset 0
    ret                     // to x30: right after the other side's own call of this function
    .cfi_endproc
    .size asyncio_switch_stacks, .-asyncio_switch_stacks

    .globl asyncio_fiber_trampoline
    .type asyncio_fiber_trampoline, %function
    .p2align 4
asyncio_fiber_trampoline:
    .cfi_startproc
    .cfi_undefined x30      // the bottom of a fiber's stack: debuggers and unwinders stop here
    mov x0, x20             // prepare() left the argument in x20 ...
    blr x19                 // ... and the entry function in x19
    brk #0                  // entry never returns
    .cfi_endproc
    .size asyncio_fiber_trampoline, .-asyncio_fiber_trampoline
    .popsection
)");

void AssemblySwitch::prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument) {
#if ASYNCIO_ASAN
    __asan_unpoison_memory_region(stack.bottom(), stack.size());
#endif
    // The first switch into the fiber pops this frame as if the fiber had called
    // asyncio_switch_stacks itself; its `ret` goes to x30, the trampoline, with the entry
    // function in x19 and its argument in x20. The frame ends 16 bytes below the page-
    // aligned top, so the trampoline starts with a 16-byte aligned stack pointer.
    auto* const top = static_cast<std::byte*>(stack.bottom()) + stack.size();
    auto* const frame = ::new (static_cast<void*>(top - 16 - sizeof(SavedFrame))) SavedFrame{};
    std::uint64_t fpcr = 0;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));  // the creator's rounding mode, as with makecontext
    frame->fpcr = fpcr;
    frame->x19 = reinterpret_cast<std::uintptr_t>(entry);
    frame->x20 = reinterpret_cast<std::uintptr_t>(argument);
    frame->fp = 0;  // a null frame pointer ends frame-pointer walks (profilers, debuggers)
    frame->lr = reinterpret_cast<std::uintptr_t>(&asyncio_fiber_trampoline);
    context.stack_pointer = frame;
}

void AssemblySwitch::swap(Context& save, Context& load) noexcept {
    asyncio_switch_stacks(&save.stack_pointer, load.stack_pointer);
}
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

#endif  // x86-64 or AArch64 ELF
