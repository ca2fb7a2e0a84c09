// What a fiber stack overflow looks like: the message "fiber stack overflow" from our
// SIGSEGV handler, then death by SIGSEGV, instead of silent corruption. Chapter 01
// lesson program.
//
//   ch01_stack_overflow recursion      unbounded recursion on a 64 KiB fiber stack
//   ch01_stack_overflow big-frame      one 20 KiB frame on a 16 KiB fiber stack: it would
//                                      jump a one-page guard without -fstack-clash-protection
//   ch01_stack_overflow thread         the recursion, in a fiber on a second thread
//   ch01_stack_overflow null-pointer   a fault that is not an overflow: left to the
//                                      previous handler (a plain "Segmentation fault")
#include <asyncio/fiber.hpp>
#include <asyncio/stack.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <string_view>
#include <thread>

// In an AddressSanitizer build, keep the big frame on the real stack: with
// detect_stack_use_after_return ASan would move the array to its heap-allocated "fake
// stack", and nothing would overflow.
#if defined(__SANITIZE_ADDRESS__)
#define NO_ASAN __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_ASAN __attribute__((no_sanitize_address))
#endif
#endif
#ifndef NO_ASAN
#define NO_ASAN
#endif

volatile int stop_at_depth = -1;  // never reached; keeps the compiler from proving the recursion infinite

// Makes the compiler believe that all of `buffer` is used, so that it keeps the whole
// array in the frame (the trick benchmark libraries call DoNotOptimize).
void keep(char* buffer) { asm volatile("" : : "r"(buffer) : "memory"); }

// region: recursion
[[gnu::noinline]] int recurse(int depth) {
    char frame[256];  // a few hundred bytes of stack per call
    frame[0] = static_cast<char>(depth);
    keep(frame);
    if (depth == stop_at_depth) return 0;
    return recurse(depth + 1) + frame[0];  // not a tail call: every frame stays
}
// endregion

// region: big-frame
[[gnu::noinline]] NO_ASAN int big_frame() {
    char buffer[20 * 1024];  // one frame five times the size of the guard page
    // The lowest address is written first. Without stack-clash protection the compiler
    // moves the stack pointer down by 20 KiB in one instruction, and this write lands
    // below the guard page: in someone else's memory, or in an unmapped hole. With
    // -fstack-clash-protection it touches every page on the way down and hits the guard.
    buffer[0] = 1;
    keep(buffer);
    return buffer[0];
}
// endregion

void announce(char const* what) {
    fmt::print("{}\n", what);
    std::fflush(stdout);
}

int main(int argc, char** argv) {
    std::string_view const mode = argc > 1 ? argv[1] : "recursion";
    if (mode == "recursion") {
        announce("recursing without end on a 64 KiB fiber stack");
        asyncio::Fiber fiber([] { recurse(0); });
        fiber.resume();
    } else if (mode == "big-frame") {
        announce("calling a function with a 20 KiB frame on a 16 KiB fiber stack");
        asyncio::Fiber fiber([] { big_frame(); }, 16 * 1024);
        fiber.resume();
        fmt::print(stderr, "no fault: the 20 KiB frame jumped over the guard page"
                           " (built without -fstack-clash-protection?)\n");
        return 2;
    } else if (mode == "thread") {
        announce("recursing without end in a fiber on a second thread");
        std::thread([] {
            asyncio::Fiber fiber([] { recurse(0); });
            fiber.resume();
        }).join();
    } else if (mode == "null-pointer") {
        announce("writing through a null pointer, outside any fiber");
        asyncio::FiberStack stack(64 * 1024);  // installs the handler, which must not claim this fault
        int volatile* volatile pointer = nullptr;  // volatile twice: neither load nor store may be optimised away
        *pointer = 42;
    } else {
        fmt::print(stderr, "usage: {} [recursion|big-frame|thread|null-pointer]\n", argv[0]);
        return 64;
    }
    fmt::print(stderr, "no fault happened\n");
    return 3;
}
