// UcontextSwitch (chapter 02): chapter 01's makecontext set-up and swapcontext switch,
// taken out of Fiber so that the fiber can run on either back-end.
#include <asyncio/ucontext_switch.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <system_error>

namespace asyncio {
namespace {

// makecontext passes only `int` arguments (POSIX says so), and a pointer does not fit in
// one on a 64-bit machine: the start function gets the Context's address in two halves.
void start(int high, int low) noexcept {
    // Undo the split: through uint32_t, so a negative `low` does not sign-extend.
    auto const address =
        (std::uint64_t{static_cast<std::uint32_t>(high)} << 32) | std::uint64_t{static_cast<std::uint32_t>(low)};
    auto const* context = reinterpret_cast<UcontextSwitch::Context const*>(static_cast<std::uintptr_t>(address));
    context->entry(context->argument);  // never returns (see ContextEntry)
}

}  // namespace

void UcontextSwitch::prepare(Context& context, FiberStack const& stack, ContextEntry entry, void* argument) {
    // makecontext needs a context to modify: getcontext fills in everything (the signal
    // mask, the floating-point state) that we do not set ourselves below.
    if (getcontext(&context.registers) != 0) throw std::system_error(errno, std::generic_category(), "getcontext");
    context.registers.uc_stack.ss_sp = stack.bottom();
    context.registers.uc_stack.ss_size = stack.size();
    // Where to go if start() returned (nullptr: glibc calls exit(0)). It never returns:
    // the fiber switches out for the last time instead.
    context.registers.uc_link = nullptr;
    context.entry = entry;
    context.argument = argument;

    // (Through uint64_t, so that the shift by 32 is also defined where pointers are 32 bits.)
    auto const address = std::uint64_t{reinterpret_cast<std::uintptr_t>(&context)};
    auto const high = static_cast<int>(static_cast<std::uint32_t>(address >> 32));
    auto const low = static_cast<int>(static_cast<std::uint32_t>(address));
    makecontext(&context.registers, reinterpret_cast<void (*)()>(&start), 2, high, low);
}

void UcontextSwitch::swap(Context& save, Context& load) noexcept {
    if (swapcontext(&save.registers, &load.registers) != 0) {
        std::perror("asyncio::UcontextSwitch: swapcontext");
        std::terminate();
    }
}

}  // namespace asyncio
