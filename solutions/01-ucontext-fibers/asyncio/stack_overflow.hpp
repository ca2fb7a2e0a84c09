// Stack overflow detection for fibers: a registry of guard pages, and a SIGSEGV handler
// on an alternate signal stack that turns a fault in a guard page into the message
// "fiber stack overflow" instead of silent corruption. Introduced in chapter 01.
#pragma once

namespace asyncio {

// Add or remove a guard page (FiberStack::guard_size() bytes at `page`). Thread-safe;
// the signal handler reads the registry without locks.
void register_guard_page(void const* page);
void unregister_guard_page(void const* page) noexcept;

// Whether `address` lies inside a registered guard page. Async-signal-safe.
bool is_in_guard_page(void const* address) noexcept;

// Installs our SIGSEGV handler if it is not the current one, and gives the calling thread
// an alternate signal stack if it has none. Called for every new FiberStack, because
// others replace these behind our back: Catch2 installs its own handlers around each
// test case and puts the previous ones back afterwards.
void ensure_stack_overflow_detection();

// Whether the SIGSEGV handler is ours and this thread has an alternate signal stack.
bool stack_overflow_detection_active() noexcept;

}  // namespace asyncio
