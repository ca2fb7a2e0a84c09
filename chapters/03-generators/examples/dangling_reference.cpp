// Pitfall: a coroutine's reference parameter is copied into the frame as a
// reference. When the caller passes a temporary, the temporary dies at the end of
// the call's full-expression, but the generator runs later: it reads a dead object.
//
// Usage: ch03_dangling_reference         the fixed version (takes the text by value)
//        ch03_dangling_reference --bug   the buggy version: undefined behaviour.
//                                        Under AddressSanitizer (./course check 03
//                                        --asan builds it so) it stops with a
//                                        stack-use-after-scope or heap-use-after-free report.
#include <asyncio/generator.hpp>

#include <fmt/core.h>

#include <cstring>
#include <string>

namespace {

// region: bug
// BUG: `text` is a reference; the frame keeps the reference, not the string.
asyncio::Generator<char> letters(std::string const& text) {
    for (char letter : text) co_yield letter;
}
// endregion

// region: fix
// FIX: take the parameter by value. The frame then holds its own copy (moved from
// the temporary), which lives exactly as long as the generator.
asyncio::Generator<char> letters_fixed(std::string text) {
    for (char letter : text) co_yield letter;
}
// endregion

// Long enough that std::string keeps its characters on the heap, not inside itself.
std::string make_text() { return "coroutines outlive the full-expression that created them"; }

}  // namespace

int main(int argc, char** argv) {
    bool const bug = argc > 1 && std::strcmp(argv[1], "--bug") == 0;
    std::string out;
    if (bug) {
        // region: bug-call
        auto generator = letters(make_text());  // the temporary string dies at this `;`
        std::string other(60, '#');             // likely to reuse the freed memory
        for (char letter : generator) {         // reads the dead string: undefined behaviour
            out += letter;
            if (out.size() >= 60) break;        // the dead string's size may be garbage too
        }
        // endregion
        (void)other;
    } else {
        // region: fix-call
        auto generator = letters_fixed(make_text());  // the frame owns the string
        for (char letter : generator) out += letter;
        // endregion
    }
    fmt::print("{}\n", out);
    return 0;
}
