// FiberStack: mmap'd memory with a PROT_NONE guard page (chapter 01).
#include <asyncio/stack.hpp>
#include <asyncio/stack_overflow.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace asyncio {

std::size_t FiberStack::page_size() noexcept {
    static std::size_t const size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return size;
}

FiberStack::FiberStack(std::size_t size) {
    if (size == 0) throw std::invalid_argument("FiberStack: the stack size must be positive");
    std::size_t const page = page_size();
    if (size > (std::size_t{1} << 40)) throw std::length_error("FiberStack: stack size too large");
    std::size_t const usable = (size + page - 1) / page * page;

    // First, so that nothing is left to clean up if it fails.
    ensure_stack_overflow_detection();

    // region: guard-page
    // region: guard-page-map
    // One mapping: the guard page at the low end, the usable stack above it. Memory is
    // only reserved here; the kernel hands out a physical page when it is first touched,
    // so a 64 KiB stack that uses 3 KiB costs one page of RAM, not sixteen.
    mapping_size_ = usable + guard_size();
    void* const memory = mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (memory == MAP_FAILED)
        throw std::system_error(errno, std::generic_category(), "mmap of a fiber stack");
    mapping_ = static_cast<std::byte*>(memory);
    // endregion

    // region: guard-page-protect
    // Any access to the lowest page now faults (SIGSEGV) instead of silently writing
    // into whatever happens to be mapped below the stack.
    if (mprotect(mapping_, guard_size(), PROT_NONE) != 0) {
        int const error = errno;
        munmap(mapping_, mapping_size_);
        throw std::system_error(error, std::generic_category(),
                                "mprotect of a fiber stack's guard page");
    }
    // endregion
    // endregion

    // Tell the SIGSEGV handler that a fault in this page is a fiber stack overflow.
    try {
        register_guard_page(mapping_);
    } catch (...) {
        munmap(mapping_, mapping_size_);
        throw;
    }
}

FiberStack::~FiberStack() {
    unregister_guard_page(mapping_);
    munmap(mapping_, mapping_size_);
}

}  // namespace asyncio
