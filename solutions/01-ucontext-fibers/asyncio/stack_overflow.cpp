// Stack overflow detection for fibers (chapter 01): the guard-page registry, the
// SIGSEGV handler, and the per-thread alternate signal stack it runs on.
#include <asyncio/stack.hpp>
#include <asyncio/stack_overflow.hpp>

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>

namespace asyncio {
namespace {

// region: guard-registry
// The signal handler must read the registry while other threads add and remove stacks,
// and it may use neither locks nor the heap (a handler can interrupt malloc or the very
// thread that holds the lock). So: chunks of atomic slots, each holding the address of a
// guard page or 0. Writers claim and clear slots with atomic operations; chunks are only
// ever appended and never freed, so the handler can walk them at any moment.
struct GuardChunk {
    static constexpr std::size_t slot_count = 511;
    std::atomic<std::uintptr_t> slots[slot_count] = {};
    std::atomic<GuardChunk*> next{nullptr};
};

constinit GuardChunk first_chunk;
// endregion

void write_stderr(char const* text, std::size_t length) noexcept {
    while (length > 0) {
        ssize_t const written = write(STDERR_FILENO, text, length);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        text += written;
        length -= static_cast<std::size_t>(written);
    }
}

// Appends `text` at `out`; returns the new end. (No snprintf: it is not async-signal-safe.)
char* append(char* out, char const* text) noexcept {
    while (*text != '\0') *out++ = *text++;
    return out;
}

char* append_hex(char* out, std::uintptr_t value) noexcept {
    out = append(out, "0x");
    char digits[2 * sizeof value];
    int count = 0;
    do {
        digits[count++] = "0123456789abcdef"[value % 16];
        value /= 16;
    } while (value != 0);
    while (count > 0) *out++ = digits[--count];
    return out;
}

// Whoever handled SIGSEGV before us: a fault that is not a fiber overflow goes back there.
// Written under install_mutex, read by the handler (a handler cannot take a lock; the
// window in which another thread reinstalls while this one faults is accepted).
struct sigaction previous_segv_action;
std::mutex install_mutex;

// region: signal-handler
// region: signal-handler-ours
// Runs on the alternate signal stack: the faulting fiber's own stack is exhausted, so
// the kernel could not even push the handler's frame there.
void on_segv(int signal_number, siginfo_t* info, void*) {
    if (is_in_guard_page(info->si_addr)) {
        char message[160];
        char* end = append(message, "fiber stack overflow: a fiber ran into the guard page "
                                    "below its stack (at ");
        end = append_hex(end, reinterpret_cast<std::uintptr_t>(info->si_addr));
        end = append(end, "); give it a bigger stack: Fiber(body, stack_size)\n");
        write_stderr(message, static_cast<std::size_t>(end - message));

        // Die of this very fault: with the default action back in place, returning
        // re-executes the faulting instruction and the kernel ends the process with
        // SIGSEGV (a core dump, if enabled, shows the overflowing frame).
        struct sigaction default_action {};
        default_action.sa_handler = SIG_DFL;
        sigemptyset(&default_action.sa_mask);
        sigaction(SIGSEGV, &default_action, nullptr);
        return;
    }
    // endregion
    // region: signal-handler-theirs
    // Not ours (a null pointer, a use after free, an overflow of the thread's own stack):
    // put the previous handler back and let the fault happen again under it.
    sigaction(SIGSEGV, &previous_segv_action, nullptr);
    // A SIGSEGV sent with kill() or raise() (si_code <= 0) would not repeat by itself.
    if (info->si_code <= 0) raise(signal_number);
}
// endregion
// endregion

// An alternate signal stack for this thread, mapped the first time one is needed and
// put back whenever the thread finds itself without one.
class AlternateSignalStack {
public:
    void install_if_missing() {
        stack_t current{};
        if (sigaltstack(nullptr, &current) != 0) throw std::system_error(errno, std::generic_category(), "sigaltstack");
        // Someone's stack (ours, Catch2's, the sanitizer runtime's) is in place: use it.
        if ((current.ss_flags & SS_DISABLE) == 0) return;
        if (memory_ == nullptr) {
            // SIGSTKSZ is not a constant in glibc 2.34 and later; 64 KiB is plenty for our
            // handler and for a debugger's or sanitizer's handler that might run there.
            size_ = std::max<std::size_t>(SIGSTKSZ, 64 * 1024);
            void* const memory = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (memory == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of a signal stack");
            memory_ = memory;
        }
        stack_t ours{};
        ours.ss_sp = memory_;
        ours.ss_size = size_;
        if (sigaltstack(&ours, nullptr) != 0) throw std::system_error(errno, std::generic_category(), "sigaltstack");
    }

    ~AlternateSignalStack() {
        if (memory_ == nullptr) return;
        // Never unmap a stack the kernel would still deliver signals on.
        stack_t current{};
        if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == memory_) {
            stack_t off{};
            off.ss_flags = SS_DISABLE;
            sigaltstack(&off, nullptr);
        }
        munmap(memory_, size_);
    }

private:
    void* memory_ = nullptr;
    std::size_t size_ = 0;
};

thread_local AlternateSignalStack alternate_signal_stack;

bool segv_handler_is_ours(struct sigaction const& action) noexcept {
    return (action.sa_flags & SA_SIGINFO) != 0 && action.sa_sigaction == &on_segv;
}

}  // namespace

void register_guard_page(void const* page) {
    auto const address = reinterpret_cast<std::uintptr_t>(page);
    for (GuardChunk* chunk = &first_chunk;;) {
        for (auto& slot : chunk->slots) {
            std::uintptr_t expected = 0;
            if (slot.load(std::memory_order_relaxed) == 0 && slot.compare_exchange_strong(expected, address))
                return;
        }
        GuardChunk* next = chunk->next.load(std::memory_order_acquire);
        if (next == nullptr) {
            auto fresh = std::make_unique<GuardChunk>();
            if (chunk->next.compare_exchange_strong(next, fresh.get(), std::memory_order_acq_rel))
                next = fresh.release();  // never freed: the handler may walk it at any time
            // Otherwise another thread appended first, and `next` now points at its chunk.
        }
        chunk = next;
    }
}

void unregister_guard_page(void const* page) noexcept {
    auto const address = reinterpret_cast<std::uintptr_t>(page);
    for (GuardChunk* chunk = &first_chunk; chunk != nullptr; chunk = chunk->next.load(std::memory_order_acquire)) {
        for (auto& slot : chunk->slots) {
            // A plain load first: a compare-and-swap on every slot writes a cache line
            // each time and made tearing down 10,000 fibers three times slower.
            if (slot.load(std::memory_order_relaxed) != address) continue;
            std::uintptr_t expected = address;
            if (slot.compare_exchange_strong(expected, 0)) return;
        }
    }
}

bool is_in_guard_page(void const* address) noexcept {
    auto const target = reinterpret_cast<std::uintptr_t>(address);
    std::size_t const guard = FiberStack::guard_size();
    for (GuardChunk* chunk = &first_chunk; chunk != nullptr; chunk = chunk->next.load(std::memory_order_acquire)) {
        for (auto const& slot : chunk->slots) {
            std::uintptr_t const page = slot.load(std::memory_order_acquire);
            // Unsigned arithmetic: an address below `page` wraps around to a huge value.
            if (page != 0 && target - page < guard) return true;
        }
    }
    return false;
}

// region: install-handler
void ensure_stack_overflow_detection() {
    // Per thread: each thread that runs fibers needs its own alternate signal stack.
    alternate_signal_stack.install_if_missing();

    // Per process: one SIGSEGV handler. Checked every time, not once, because Catch2 (and
    // other code) replaces it and later restores what it found.
    std::lock_guard lock(install_mutex);
    struct sigaction current {};
    if (sigaction(SIGSEGV, nullptr, &current) != 0)
        throw std::system_error(errno, std::generic_category(), "sigaction");
    if (segv_handler_is_ours(current)) return;

    struct sigaction ours {};
    ours.sa_sigaction = &on_segv;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;  // SA_ONSTACK: run on the alternate stack
    sigemptyset(&ours.sa_mask);
    if (sigaction(SIGSEGV, &ours, &previous_segv_action) != 0)
        throw std::system_error(errno, std::generic_category(), "sigaction");
}
// endregion

bool stack_overflow_detection_active() noexcept {
    struct sigaction current {};
    stack_t alternate{};
    return sigaction(SIGSEGV, nullptr, &current) == 0 && segv_handler_is_ours(current) &&
           sigaltstack(nullptr, &alternate) == 0 && (alternate.ss_flags & SS_DISABLE) == 0;
}

}  // namespace asyncio
