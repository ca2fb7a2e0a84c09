// Stackful vs stackless, side by side: the same producer written as a chapter-01
// Fiber (its own stack, switched with swapcontext) and as a Generator<long> (a
// coroutine frame, resumed with a plain call), with a push-style callback and a
// plain loop as baselines. Prints the cost per element and the memory each
// suspended producer holds.
//
// Usage: ch03_stackful_vs_stackless [ELEMENTS] [INSTANCES]
//        (defaults 1000000 elements per timing run, 1000 suspended producers)
// course-bench:
#include <asyncio/counted_frame.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/generator.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <vector>

// Every heap allocation of this program is counted, so we can see what creating a
// producer costs besides its frame or its stack (the Fiber object, the
// std::function holding its body...). The frame's own operator new calls this too.
namespace {
std::atomic<std::size_t> heap_bytes{0};
}  // namespace

// (noinline: inlined, g++ 12 sees `free` on memory from `new` and warns, wrongly.)
[[gnu::noinline]] void* operator new(std::size_t size) {
    heap_bytes.fetch_add(size, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// Keeps the optimiser from computing the whole sum at compile time: it must assume
// `value` changed, so every element is really produced and consumed.
inline void opaque(long& value) { asm volatile("" : "+r"(value)); }

// region: stackless
asyncio::Generator<long> numbers_stackless(long count) {
    for (long i = 0; i < count; ++i) {
        long value = i;
        opaque(value);
        co_yield value;
    }
}
// endregion

// region: stackful
// The same producer on a chapter-01 fiber: the body runs on its own stack and
// Fiber::yield() switches back to whoever called resume().
class NumbersStackful {
public:
    explicit NumbersStackful(long count)
        : fiber_([this, count] {
              for (long i = 0; i < count; ++i) {
                  long value = i;
                  opaque(value);
                  current_ = value;
                  asyncio::Fiber::yield();
              }
          }) {}

    // Resumes the fiber to its next value; false once it has finished.
    bool next() {
        fiber_.resume();
        return !fiber_.done();
    }
    long current() const { return current_; }

private:
    long current_ = 0;
    asyncio::Fiber fiber_;
};
// endregion

// Push style: the producer calls us back for each element. No suspension at all,
// but the consumer cannot stop early or interleave two producers.
[[gnu::noinline]] void numbers_callback(long count, std::function<void(long)> const& sink) {
    for (long i = 0; i < count; ++i) {
        long value = i;
        opaque(value);
        sink(value);
    }
}

long sum_plain(long count) {
    long sum = 0;
    for (long i = 0; i < count; ++i) {
        long value = i;
        opaque(value);
        sum += value;
    }
    return sum;
}

long sum_callback(long count) {
    long sum = 0;
    numbers_callback(count, [&sum](long value) { sum += value; });
    return sum;
}

// region: consumers
long sum_stackless(long count) {
    long sum = 0;
    for (long value : numbers_stackless(count)) sum += value;
    return sum;
}

long sum_stackful(long count) {
    long sum = 0;
    NumbersStackful numbers(count);
    while (numbers.next()) sum += numbers.current();
    return sum;
}
// endregion

// Best of three runs, in nanoseconds per element.
template <class Sum>
double ns_per_element(long count, Sum sum) {
    long const expected = count * (count - 1) / 2;
    double best = 1e300;
    for (int run = 0; run < 3; ++run) {
        auto const start = std::chrono::steady_clock::now();
        long const got = sum(count);
        auto const elapsed = std::chrono::steady_clock::now() - start;
        if (got != expected) {
            fmt::print(stderr, "wrong sum: {} instead of {}\n", got, expected);
            std::exit(1);
        }
        best = std::min(best, std::chrono::duration<double, std::nano>(elapsed).count() / double(count));
    }
    return best;
}

// The resident set (memory really backed by RAM) of this process, in bytes.
std::size_t resident_bytes() {
    std::FILE* statm = std::fopen("/proc/self/statm", "r");
    if (statm == nullptr) return 0;
    unsigned long size = 0, resident = 0;
    int const read = std::fscanf(statm, "%lu %lu", &size, &resident);
    std::fclose(statm);
    return read == 2 ? resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

struct Footprint {
    double heap_per_instance;
    double resident_per_instance;
};

// Creates `instances` producers, runs each to its first value (so each is suspended
// in the middle of its body, like a real waiting task) and measures what they hold.
template <class Make>
Footprint footprint(std::size_t instances, Make make) {
    using Producer = decltype(make());
    std::vector<Producer> producers;
    producers.reserve(instances);  // so the vector's growth is not counted
    std::size_t const heap_before = heap_bytes.load();
    std::size_t const resident_before = resident_bytes();
    for (std::size_t i = 0; i < instances; ++i) {
        producers.push_back(make());
        producers.back()->start();
    }
    double const n = static_cast<double>(instances);
    return {static_cast<double>(heap_bytes.load() - heap_before) / n,
            static_cast<double>(resident_bytes() - resident_before) / n};
}

// Uniform handles for footprint(): start() runs a producer to its first value.
struct StacklessProducer {
    asyncio::Generator<long> generator = numbers_stackless(1'000'000);
    void start() { generator.begin(); }
};
struct StackfulProducer {
    NumbersStackful numbers{1'000'000};
    void start() { numbers.next(); }
};

}  // namespace

int main(int argc, char** argv) {
    long const elements = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    std::size_t const instances = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
    if (elements < 1 || instances < 1) {
        fmt::print(stderr, "usage: ch03_stackful_vs_stackless [ELEMENTS>0] [INSTANCES>0]\n");
        return 2;
    }

    fmt::print("cost per element, best of 3 runs of {} elements\n", elements);
    fmt::print("  {:<34} {:>8.2f} ns\n", "plain loop (no producer)", ns_per_element(elements, sum_plain));
    fmt::print("  {:<34} {:>8.2f} ns\n", "callback (push, std::function)", ns_per_element(elements, sum_callback));
    fmt::print("  {:<34} {:>8.2f} ns\n", "Generator<long> (stackless)", ns_per_element(elements, sum_stackless));
    fmt::print("  {:<34} {:>8.2f} ns\n", "Fiber (stackful, ucontext)", ns_per_element(elements, sum_stackful));

    fmt::print("\nmemory held by each of {} producers suspended at their first value\n", instances);
    auto const stackless = footprint(instances, [] { return std::make_unique<StacklessProducer>(); });
    auto const stackful = footprint(instances, [] { return std::make_unique<StackfulProducer>(); });
    fmt::print("  {:<34} {:>8.0f} B heap {:>8.0f} B resident\n", "Generator<long> (stackless)",
               stackless.heap_per_instance, stackless.resident_per_instance);
    fmt::print("  {:<34} {:>8.0f} B heap {:>8.0f} B resident\n", "Fiber (stackful, ucontext)",
               stackful.heap_per_instance, stackful.resident_per_instance);
    fmt::print("  a Generator<long> frame is {} bytes; a fiber reserves a {} KiB stack (+ a guard page) with mmap\n",
               asyncio::frame_stats().last_size.load(), asyncio::Fiber::default_stack_size / 1024);
    return 0;
}
