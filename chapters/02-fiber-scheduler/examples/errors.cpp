// What the scheduler says when it is used wrongly, and what happens to an exception that
// nobody joins: it is reported on stderr, and the other fibers go on. Chapter 02 lesson
// program.
#include <asyncio/scheduler.hpp>

#include <fmt/core.h>

#include <stdexcept>
#include <string>

using asyncio::Scheduler;

namespace {

// Runs `attempt` and prints the error it throws, or that it threw none.
template <class Attempt>
void show(char const* what, Attempt&& attempt) {
    try {
        attempt();
        fmt::print("{}: no error?\n", what);
    } catch (std::exception const& error) {
        fmt::print("{}:\n    {}\n", what, error.what());
    }
}

}  // namespace

int main() {
    show("yield() on the main stack", [] { Scheduler::yield(); });

    {
        Scheduler scheduler;
        scheduler.spawn([] { show("a fiber joins itself", [] { Scheduler::join(Scheduler::current()); }); });
        auto worker = scheduler.spawn([] {});
        scheduler.spawn([&] {
            Scheduler::join(worker);
            show("a fiber joins the same fiber twice", [&] { Scheduler::join(worker); });
        });
        // region: rethrow
        auto failing = scheduler.spawn([] { throw std::runtime_error("the download failed"); });
        scheduler.spawn([&] { show("join() of a fiber that threw", [&] { Scheduler::join(failing); }); });
        // endregion
        scheduler.run();
        show("spawn() after run() has finished", [&] { scheduler.spawn([] {}); });
    }

    {
        // region: unjoined
        Scheduler scheduler;
        scheduler.spawn([] {  // the handle is dropped: nobody can ever join this fiber
            Scheduler::yield();
            throw std::runtime_error("the sensor is on fire");
        });
        scheduler.spawn([] {
            for (int round = 1; round <= 3; ++round) Scheduler::yield();
            fmt::print("the other fiber finished its 3 rounds\n");
        });
        scheduler.run();  // reports the lost exception on stderr, then goes on
        // endregion
    }

    {
        Scheduler::Handle a, b;  // declared before the scheduler: its fibers use them
        Scheduler scheduler;
        a = scheduler.spawn([&] { Scheduler::join(b); });
        b = scheduler.spawn([&] { Scheduler::join(a); });
        show("two fibers join each other", [&] { scheduler.run(); });
    }  // destroying the scheduler unwinds both stuck fibers
}
