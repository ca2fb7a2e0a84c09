// How big is a coroutine frame, and how often is one allocated? Generator<T>'s
// promise derives from CountedFrame, whose operator new counts every frame the
// compiler allocates (asyncio/counted_frame.hpp). We create generators with
// different bodies and print what each frame cost.
//
// Usage: ch03_frame_size [COUNT]   (values read from the long-running generator,
//                                   default 1000000)
#include <asyncio/counted_frame.hpp>
#include <asyncio/generator.hpp>

#include <fmt/core.h>

#include <array>
#include <cstddef>
#include <cstdlib>
#include <string>

namespace {

asyncio::Generator<int> empty_body() { co_return; }

asyncio::Generator<int> count_to(int limit) {
    for (int i = 0; i < limit; ++i) co_yield i;
}

// region: big-locals
// Out of line, so the optimiser cannot see through it and drop the buffer.
[[gnu::noinline]] int checksum(std::array<char, 4096> const& buffer) {
    int sum = 0;
    for (char c : buffer) sum += c;
    return sum;
}

// 4 KiB that must survive the co_yield: it has to live in the frame.
asyncio::Generator<int> big_local_across_yield(char fill) {
    std::array<char, 4096> buffer;
    buffer.fill(fill);
    co_yield 0;
    co_yield checksum(buffer);  // still needed after the resumption
}

// 4 KiB used only before the first co_yield: it need not be in the frame.
asyncio::Generator<int> big_local_before_yield(char fill) {
    int sum = 0;
    {
        std::array<char, 4096> buffer;
        buffer.fill(fill);
        sum = checksum(buffer);
    }
    co_yield sum;
}
// endregion

asyncio::Generator<std::string> with_string_parameter(std::string text) { co_yield text; }

// region: measure
// Created out of line, so the frame outlives the function that created it: the
// compiler must then allocate it on the heap (see "one frame" below for when not).
template <class Make>
[[gnu::noinline]] auto create(Make make) {
    return make();
}

// What creating one generator allocated: a frame's size, or a note that the compiler
// found no need to allocate one on the heap.
template <class Make>
void measure(char const* name, Make make) {
    asyncio::FrameStats& stats = asyncio::frame_stats();
    std::size_t const before = stats.allocations.load();
    auto generator = create(make);
    std::size_t const allocated = stats.allocations.load() - before;
    if (allocated == 0)
        fmt::print("{:<36} no heap frame (the compiler elided the allocation)\n", name);
    else
        fmt::print("{:<36} {:>5} bytes in {} allocation(s)\n", name, stats.last_size.load(), allocated);
    for ([[maybe_unused]] auto const& value : generator) {
    }
}
// endregion

}  // namespace

int main(int argc, char** argv) {
    long const count = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    fmt::print("frame sizes (the promise, parameter copies, locals alive across a suspension, bookkeeping)\n");
    measure("Generator<int> empty_body()", [] { return empty_body(); });
    measure("Generator<int> count_to(10)", [] { return count_to(10); });
    measure("big_local_across_yield(char)", [] { return big_local_across_yield(1); });
    measure("big_local_before_yield(char)", [] { return big_local_before_yield(1); });
    measure("with_string_parameter(std::string)", [] { return with_string_parameter("spam"); });

    // region: one-frame
    // One frame however many values come out of it: a co_yield allocates nothing.
    // Here the generator lives and dies inside main, so an optimiser that inlines the
    // coroutine may put its frame on main's stack and allocate nothing at all.
    asyncio::FrameStats& stats = asyncio::frame_stats();
    std::size_t const before = stats.allocations.load();
    long sum = 0;
    for (int value : count_to(static_cast<int>(count))) sum += value;
    fmt::print("reading {} values from one generator: {} frame allocation(s) (sum {})\n", count,
               stats.allocations.load() - before, sum);
    // endregion
    fmt::print("frames still allocated at the end: {}\n", stats.live.load());
    return stats.live.load() == 0 ? 0 : 1;
}
