// Pitfall: a lambda that is a coroutine keeps its captures in the closure object,
// not in the coroutine frame; the frame only points at the closure. So:
//   1. capturing a local by reference dangles once that local's scope ends;
//   2. even capturing by value dangles when the closure itself is a temporary.
// The fix: pass what the body needs as parameters, which are copied into the frame.
//
// Usage: ch03_lambda_capture                  the fixed version
//        ch03_lambda_capture --bug-reference  bug 1, undefined behaviour
//        ch03_lambda_capture --bug-temporary  bug 2, undefined behaviour
//        (under AddressSanitizer both stop with a stack-use-after-return or
//         stack-use-after-scope report)
#include <asyncio/generator.hpp>

#include <fmt/core.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

// The two buggy functions are kept out of line ([[gnu::noinline]]), as they would be in
// another source file: inlined into main, the dead objects' stack slots would belong
// to main, which is still running, and AddressSanitizer could not see them die.

// region: bug-reference
// BUG 1: `limit` is captured by reference, and it is count_down's parameter, which
// dies when count_down returns. The closure dies then too.
[[gnu::noinline]] asyncio::Generator<int> count_down_by_reference(int limit) {
    auto body = [&limit]() -> asyncio::Generator<int> {
        while (limit > 0) co_yield limit--;
    };
    return body();
}
// endregion

// region: bug-temporary
// BUG 2: captured by value, but into a temporary closure that dies at the end of the
// full-expression; the frame keeps only a pointer to it.
[[gnu::noinline]] asyncio::Generator<int> count_down_in_temporary(int limit) {
    return [limit]() mutable -> asyncio::Generator<int> {
        while (limit > 0) co_yield limit--;
    }();
}
// endregion

// region: fix
// FIX: no captures; what the body needs is a parameter, copied into the frame.
asyncio::Generator<int> count_down_fixed(int limit) {
    return [](int remaining) -> asyncio::Generator<int> {
        while (remaining > 0) co_yield remaining--;
    }(limit);
}
// endregion

// Something that uses the stack where the dead objects were.
[[gnu::noinline]] int scribble_on_the_stack() {
    volatile int junk[64];
    for (int i = 0; i < 64; ++i) junk[i] = -1;
    return junk[10];
}

}  // namespace

int main(int argc, char** argv) {
    char const* mode = argc > 1 ? argv[1] : "";
    asyncio::Generator<int> generator;
    if (std::strcmp(mode, "--bug-reference") == 0)
        generator = count_down_by_reference(3);
    else if (std::strcmp(mode, "--bug-temporary") == 0)
        generator = count_down_in_temporary(3);
    else
        generator = count_down_fixed(3);
    (void)scribble_on_the_stack();

    std::vector<std::string> out;
    for (int value : generator) {
        out.push_back(std::to_string(value));
        if (out.size() >= 10) break;  // a dead `limit` may hold anything
    }
    fmt::print("counted down: {}\n", out.empty() ? std::string("(nothing)") : [&] {
        std::string joined;
        for (auto const& s : out) joined += (joined.empty() ? "" : " ") + s;
        return joined;
    }());
    return 0;
}
