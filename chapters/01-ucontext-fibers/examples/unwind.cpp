// Destroying a suspended fiber unwinds its stack: the destructor resumes it one last time
// and its yield() throws asyncio::ForcedUnwind, so the destructors of the objects on the
// fiber's stack run. Chapter 01 lesson program.
//
//   ch01_unwind           the normal case: every destructor runs
//   ch01_unwind swallow   the bug: a catch (...) that does not rethrow; the program stops
#include <asyncio/fiber.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

struct Noisy {
    std::string name;
    ~Noisy() { fmt::print("  ~{}() ran\n", name); }
};

// region: unwind
void destroy_a_suspended_fiber() {
    {
        asyncio::Fiber fiber([] {
            Noisy outer{"outer"};
            try {
                Noisy inner{"inner"};
                asyncio::Fiber::yield();  // suspended here when the fiber is destroyed
                fmt::print("  never printed: the fiber is not resumed normally again\n");
            } catch (std::exception const&) {
                fmt::print("  never printed: ForcedUnwind is not a std::exception\n");
            } catch (...) {
                fmt::print("  catch (...) sees the unwind, cleans up, and rethrows it\n");
                throw;  // required: the unwind must go on to the bottom of the fiber's stack
            }
        });
        fiber.resume();
        fmt::print("destroying the suspended fiber:\n");
    }
    fmt::print("the fiber is gone, and so is everything that lived on its stack\n");
}
// endregion

// region: swallow
void swallow_the_unwind() {
    asyncio::Fiber fiber([] {
        for (;;) {
            try {
                asyncio::Fiber::yield();
            } catch (...) {
                // BUG: swallows ForcedUnwind too, and the loop yields again.
                fmt::print("  swallowed an exception, carrying on\n");
            }
        }
    });
    fiber.resume();
    fmt::print("destroying a fiber that swallows ForcedUnwind:\n");
    std::fflush(stdout);
}
// endregion

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "swallow") {
        swallow_the_unwind();
        fmt::print("never printed: the program stops in the fiber's destructor\n");
        return 0;
    }
    destroy_a_suspended_fiber();
}
