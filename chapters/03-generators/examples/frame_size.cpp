// How big is a coroutine frame, and how often is one allocated? Generator<T>'s
// promise derives from CountedFrame, whose operator new counts every frame the
// compiler allocates (asyncio/counted_frame.hpp). We create generators with
// different bodies and print what each frame cost.
//
// Usage: ch03_frame_size [COUNT]   (values read from the long-running generator,
//                                   default 1000000)
// course-bench:
#include <asyncio/counted_frame.hpp>
#include <asyncio/generator.hpp>

#include <fmt/core.h>

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdlib>
#include <cstring>
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

// The long is never used: g++ 12 still copies it into the frame, clang 14 -O2 does not.
asyncio::Generator<int> unused_parameter(int used, long) { co_yield used; }

// region: layout
// An awaiter that never suspends: it only reports the frame it was awaited in, and where
// that frame keeps its promise.
struct WhereAmI {
    void* const* frame;
    std::byte const* promise;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<asyncio::Generator<int>::promise_type> self) noexcept {
        *this = {static_cast<void* const*>(self.address()), reinterpret_cast<std::byte const*>(&self.promise())};
        return false;  // false: do not suspend after all, go on with the body
    }
    void await_resume() const noexcept {}
};

asyncio::Generator<int> reports_its_frame(WhereAmI& where) {
    co_await where;
    co_yield 0;
}

// What both compilers put at the start of every frame (their common coroutine ABI; MSVC
// differs): the resume function, the destroy function, then the promise. coroutine_handle
// resume() calls the first, destroy() the second, and done() is true when the first is null.
void show_layout() {
    WhereAmI where{};
    auto generator = reports_its_frame(where);
    auto it = generator.begin();  // runs the body to its co_yield: `where` is filled in
    void* words[2];
    std::memcpy(words, where.frame, sizeof words);
    fmt::print("inside a suspended frame: word 0 (resume function) {}, word 1 (destroy function) {}, "
               "promise at offset {}\n",
               words[0] ? "set" : "null", words[1] ? "set" : "null",
               where.promise - reinterpret_cast<std::byte const*>(where.frame));
    ++it;  // on to the end of the body: the final suspension
    std::memcpy(words, where.frame, sizeof words);
    fmt::print("after the final suspension: word 0 {} (so done() is true), word 1 {}\n", words[0] ? "set" : "null",
               words[1] ? "set" : "null");
}
// endregion

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
    show_layout();
    fmt::print("frame sizes (resume and destroy pointers, the promise, a suspend index, the parameter\n"
               "copies and the locals the compiler keeps)\n");
    measure("Generator<int> empty_body()", [] { return empty_body(); });
    measure("Generator<int> count_to(10)", [] { return count_to(10); });
    measure("big_local_across_yield(char)", [] { return big_local_across_yield(1); });
    measure("big_local_before_yield(char)", [] { return big_local_before_yield(1); });
    measure("with_string_parameter(std::string)", [] { return with_string_parameter("spam"); });
    measure("unused_parameter(int, long)", [] { return unused_parameter(1, 2); });

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
