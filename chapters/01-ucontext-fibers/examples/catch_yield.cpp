// The C++ exception state is per stack: two fibers yield inside their catch blocks, main
// resumes them from inside its own catch block, and everyone's `throw;` still rethrows
// its own exception. Chapter 01 lesson program; it works because every switch saves and
// restores the thread's exception record (asyncio/exception_state.hpp).
#include <asyncio/fiber.hpp>

#include <fmt/core.h>

#include <stdexcept>
#include <string>

// region: worker
auto worker(std::string name) {
    return [name] {
        try {
            throw std::runtime_error(name + "'s error");
        } catch (std::exception const& error) {
            fmt::print("{} caught {}, and yields inside its catch block\n", name, error.what());
            asyncio::Fiber::yield();
            fmt::print("{} resumed, rethrows\n", name);
            throw;  // must rethrow *this* fiber's exception, whoever ran in between
        }
    };
}
// endregion

int main() {
    // region: main
    asyncio::Fiber a(worker("a"));
    asyncio::Fiber b(worker("b"));
    try {
        throw std::runtime_error("main's error");
    } catch (std::exception const&) {
        a.resume();  // both fibers enter their catch blocks while main is in its own
        b.resume();
        try {
            throw;
        } catch (std::exception const& error) {
            fmt::print("main rethrew {}\n", error.what());
        }
    }
    for (asyncio::Fiber* fiber : {&a, &b}) {
        try {
            fiber->resume();
        } catch (std::exception const& error) {
            fmt::print("main caught {} from resume()\n", error.what());
        }
    }
    // endregion
}
