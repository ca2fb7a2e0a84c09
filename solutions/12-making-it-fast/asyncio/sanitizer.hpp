// SanitizerFiberSwitch: tells AddressSanitizer and ThreadSanitizer that a fiber switch
// moves execution to another stack. Introduced in chapter 01. In a build without
// sanitizers every member function is empty and the compiler removes the calls.
// Chapter 12: entering_fiber takes the stack itself and asks for its bounds only under
// ASan. Chapter 01's version took the bounds as arguments, and computing them
// (FiberStack::bottom() and size() call page_size(), out of line) was work that every
// switch did, with or without sanitizers: the compiler cannot drop a call it cannot see into.
#pragma once

#include <asyncio/stack.hpp>

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define ASYNCIO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASYNCIO_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define ASYNCIO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ASYNCIO_TSAN 1
#endif
#endif

#if ASYNCIO_ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#if ASYNCIO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace asyncio {

// region: asan-annotations
// ASan keeps, per thread, the bounds of "the" stack and (with detect_stack_use_after_return)
// a "fake stack" where it moves local variables. A switch must be announced before it
// (start: where we are going) and confirmed after it (finish: we have arrived), or ASan
// reports false errors and cannot unwind exceptions correctly. Each side of a fiber has
// its own saved fake-stack slot: the resumer's while the fiber runs, the fiber's while it
// is suspended.
class SanitizerFiberSwitch {
public:
#if ASYNCIO_TSAN
    SanitizerFiberSwitch() : tsan_fiber_(__tsan_create_fiber(0)) {}
    ~SanitizerFiberSwitch() { __tsan_destroy_fiber(tsan_fiber_); }
    SanitizerFiberSwitch(SanitizerFiberSwitch const&) = delete;
    SanitizerFiberSwitch& operator=(SanitizerFiberSwitch const&) = delete;
#endif

    // On the resumer's stack, right before the switch into the fiber.
    // region: entering-fiber
    void entering_fiber([[maybe_unused]] FiberStack const& stack) noexcept {
#if ASYNCIO_ASAN
        __sanitizer_start_switch_fiber(&resumer_fake_stack_, stack.bottom(), stack.size());
#endif
#if ASYNCIO_TSAN
        tsan_resumer_ = __tsan_get_current_fiber();
        __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
    }
    // endregion

    // On the resumer's stack, right after the fiber switched back (it yielded or finished).
    void back_in_resumer() noexcept {
#if ASYNCIO_ASAN
        __sanitizer_finish_switch_fiber(resumer_fake_stack_, nullptr, nullptr);
#endif
    }

    // On the fiber's stack, right after it got control: its first start, or after a yield.
    // ASan tells us where we came from; the resumer may be a different stack every time.
    void arrived_in_fiber() noexcept {
#if ASYNCIO_ASAN
        __sanitizer_finish_switch_fiber(fiber_fake_stack_, &resumer_stack_bottom_, &resumer_stack_size_);
#endif
    }

    // On the fiber's stack, right before the switch back to the resumer. When the fiber has
    // finished (`for_good`), passing no slot lets ASan free the fiber's fake stack.
    void leaving_fiber([[maybe_unused]] bool for_good) noexcept {
#if ASYNCIO_ASAN
        __sanitizer_start_switch_fiber(for_good ? nullptr : &fiber_fake_stack_, resumer_stack_bottom_,
                                       resumer_stack_size_);
#endif
#if ASYNCIO_TSAN
        __tsan_switch_to_fiber(tsan_resumer_, 0);
#endif
    }

private:
#if ASYNCIO_ASAN
    void* resumer_fake_stack_ = nullptr;
    void* fiber_fake_stack_ = nullptr;
    void const* resumer_stack_bottom_ = nullptr;
    std::size_t resumer_stack_size_ = 0;
#endif
#if ASYNCIO_TSAN
    void* tsan_fiber_ = nullptr;
    void* tsan_resumer_ = nullptr;
#endif
};
// endregion

}  // namespace asyncio
