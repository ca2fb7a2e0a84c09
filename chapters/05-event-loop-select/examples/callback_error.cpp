// callback_error.cpp: a callback that throws does not stop the loop. The exception goes
// to the loop's exception handler: first the default one, which prints it with the line
// the callback was scheduled from, then one of our own. Chapter 05.
#include <asyncio/event_loop.hpp>

#include <fmt/core.h>

#include <stdexcept>

// region: main
int main() {
    asyncio::EventLoop loop;

    loop.call_soon([] { fmt::print("1: fine\n"); });
    loop.call_soon([] { throw std::runtime_error("2: this callback fails"); });
    loop.call_soon([] { fmt::print("3: still running\n"); });
    loop.run_once();  // the default handler prints the error to stderr

    int errors = 0;
    loop.set_exception_handler([&](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
        ++errors;
        fmt::print("our handler: {}\n", context.message);
    });
    loop.call_soon([] { throw std::logic_error("4: fails too"); });
    loop.call_soon([&] { fmt::print("5: errors so far: {}\n", errors); });
    loop.run_once();
    loop.close();
}
// endregion
