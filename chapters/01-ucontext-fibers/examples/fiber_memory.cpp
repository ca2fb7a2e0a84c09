// What a fiber costs in memory: creates FIBERS fibers, resumes each once so that it is
// suspended in yield(), and reads the process's resident memory (VmRSS) and address
// space (VmSize) from /proc/self/status before and after. Chapter 01 lesson program.
//
//   ch01_fiber_memory [FIBERS [STACK_KIB]]     default 10000 fibers, 64 KiB stacks
// course-bench:
#include <asyncio/fiber.hpp>
#include <asyncio/stack.hpp>

#include <fmt/core.h>
#include <ucontext.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

// A line of /proc/self/status, in KiB: VmRSS is the memory resident right now, VmSize
// the address space the process has mapped.
long status_kib(std::string const& field) {
    std::ifstream status("/proc/self/status");
    std::string name;
    long value = 0;
    while (status >> name) {
        if (name == field + ":") {
            status >> value;
            return value;
        }
        status.ignore(1 << 12, '\n');
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    long const count = argc > 1 ? std::atol(argv[1]) : 10'000;
    long const stack_kib = argc > 2 ? std::atol(argv[2]) : 64;
    if (count <= 0 || stack_kib <= 0) {
        fmt::print(stderr, "usage: {} [FIBERS > 0 [STACK_KIB > 0]]\n", argv[0]);
        return 64;
    }

    // region: measure
    std::vector<std::unique_ptr<asyncio::Fiber>> fibers;
    fibers.reserve(static_cast<std::size_t>(count));  // the vector's growth is not a fiber's cost
    long const rss_before = status_kib("VmRSS");
    long const size_before = status_kib("VmSize");
    for (long i = 0; i < count; ++i) {
        fibers.push_back(std::make_unique<asyncio::Fiber>([] { asyncio::Fiber::yield(); },
                                                          static_cast<std::size_t>(stack_kib) * 1024));
        fibers.back()->resume();  // runs the body up to its yield(): the stack is touched
    }
    long const rss_grown = status_kib("VmRSS") - rss_before;
    long const size_grown = status_kib("VmSize") - size_before;
    // endregion

    auto const per_fiber = [count](long kib) { return static_cast<double>(kib) / static_cast<double>(count); };
    fmt::print("sizeof(ucontext_t)                 {:>8} bytes\n", sizeof(ucontext_t));
    fmt::print("sizeof(asyncio::Fiber)             {:>8} bytes (two ucontext_t and the rest)\n",
               sizeof(asyncio::Fiber));
    fmt::print("{} fibers with {} KiB stacks, each suspended in yield():\n", count, stack_kib);
    fmt::print("  resident memory (VmRSS) grew by  {:>8} KiB   {:6.1f} KiB per fiber\n", rss_grown,
               per_fiber(rss_grown));
    fmt::print("  address space (VmSize) grew by   {:>8} KiB   {:6.1f} KiB per fiber\n", size_grown,
               per_fiber(size_grown));
    fmt::print(
        "(a stack is reserved with mmap, {} KiB + a {} KiB guard page; the kernel gives it RAM\n"
        " only page by page, as the fiber first touches it)\n",
        stack_kib, asyncio::FiberStack::guard_size() / 1024);
    // Destroying the vector unwinds every fiber (ForcedUnwind at its yield) and frees the stacks.
}
