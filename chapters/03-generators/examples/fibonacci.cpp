// The first generator: an endless Fibonacci sequence, read by a range-for that
// decides when to stop. Compare with Python:
//
//     def fibonacci():
//         a, b = 0, 1
//         while True:
//             yield a
//             a, b = b, a + b
//
// Usage: ch03_fibonacci [COUNT]   (default 10)
#include <asyncio/generator.hpp>

#include <fmt/core.h>

#include <cstdlib>
#include <utility>

// region: fibonacci
asyncio::Generator<long> fibonacci() {
    long a = 0, b = 1;
    for (;;) {
        co_yield a;  // hand `a` to the loop, and wait here until it asks again
        a = std::exchange(b, a + b);
    }
}
// endregion

int main(int argc, char** argv) {
    int const count = argc > 1 ? std::atoi(argv[1]) : 10;
    // region: loop
    int printed = 0;
    for (long value : fibonacci()) {  // begin() runs the body to its first co_yield
        if (printed++ == count) break;  // leaving the loop destroys the suspended frame
        fmt::print("{} ", value);
    }
    fmt::print("\n");
    // endregion
}
