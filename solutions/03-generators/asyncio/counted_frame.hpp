// CountedFrame: a base for promise types whose operator new/delete count coroutine
// frames, so lessons and tests can see every frame the compiler allocates and frees.
// Introduced in chapter 03 (generators); chapter 04's Coro uses it too.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>

namespace asyncio {

// What has been allocated for coroutine frames since the program started.
// Relaxed atomics: the counters are statistics, nothing is ordered by them.
struct FrameStats {
    std::atomic<std::size_t> allocations{0};  // frames ever allocated
    std::atomic<std::size_t> bytes{0};        // their sizes, summed
    std::atomic<std::size_t> live{0};         // allocated and not yet freed
    std::atomic<std::size_t> last_size{0};    // size of the most recent frame
};

inline FrameStats& frame_stats() {
    static FrameStats stats;
    return stats;
}

// When the compiler needs a frame for a coroutine whose promise type is P, it looks
// up `operator new` in P's scope first (bases included) and calls it with the frame
// size: the resume and destroy pointers, the promise, the suspend index, the
// parameters' copies and the locals the compiler keeps (clang: those alive across a
// suspension; g++ 12: all of them). Deriving a promise from CountedFrame is all it takes to count them.
// The compiler may still elide the allocation entirely when it can prove the frame
// does not outlive its caller (clang does this at -O2; the lesson measures it).
//
// Both functions are noinline: once one of them is inlined into a coroutine, g++ 12
// sees the global operator new (or delete) paired with the class's operator delete
// (or new) and wrongly warns about a mismatch (-Wmismatched-new-delete). A call per
// frame costs nothing next to the allocation itself.
struct CountedFrame {
    [[gnu::noinline]] static void* operator new(std::size_t size) {
        void* frame = ::operator new(size);
        FrameStats& stats = frame_stats();
        stats.allocations.fetch_add(1, std::memory_order_relaxed);
        stats.bytes.fetch_add(size, std::memory_order_relaxed);
        stats.live.fetch_add(1, std::memory_order_relaxed);
        stats.last_size.store(size, std::memory_order_relaxed);
        return frame;
    }

    // The compiler passes back the size it allocated. We free with the unsized
    // global form: clang 14 does not declare the sized one unless asked to
    // (-fsized-deallocation), and it would gain us nothing here.
    [[gnu::noinline]] static void operator delete(void* frame, std::size_t size) noexcept {
        (void)size;
        frame_stats().live.fetch_sub(1, std::memory_order_relaxed);
        ::operator delete(frame);
    }
};

}  // namespace asyncio
