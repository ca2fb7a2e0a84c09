// FiberStack: a fiber's stack, mapped with mmap, with an inaccessible guard page below
// it so that running off its end faults at once instead of overwriting other memory.
// Introduced in chapter 01.
#pragma once

#include <cstddef>

namespace asyncio {

class FiberStack {
public:
    // At least `size` usable bytes, rounded up to whole pages, with one guard page below.
    // Also makes sure this thread can report an overflow (see stack_overflow.hpp).
    explicit FiberStack(std::size_t size);
    ~FiberStack();

    FiberStack(FiberStack const&) = delete;
    FiberStack& operator=(FiberStack const&) = delete;

    // region: stack-bounds
    // The lowest usable address. Stacks grow down on every platform we run on, so the
    // fiber starts at bottom() + size() and an overflow runs into the guard page below.
    void* bottom() const noexcept { return mapping_ + guard_size(); }
    std::size_t size() const noexcept { return mapping_size_ - guard_size(); }
    // endregion
    void* guard_page() const noexcept { return mapping_; }

    static std::size_t page_size() noexcept;
    static std::size_t guard_size() noexcept { return page_size(); }

private:
    std::byte* mapping_ = nullptr;
    std::size_t mapping_size_ = 0;
};

}  // namespace asyncio
