// Chapter 02: BasicFiber on both context-switch back-ends. Chapter 01's behaviour (order,
// nesting, exceptions across the switch, forced unwind) and what a hand-written switch
// can get wrong: callee-saved registers, stack alignment, floating-point control state.
#include <testing/both_switches.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>

#include <signal.h>

#include <cfenv>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

SWITCH_TEST(basic_fiber_order, "resume and yield alternate between a fiber and its resumer", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    std::vector<std::string> log;
    Fiber fiber([&] {
        log.push_back("fiber 1");
        Fiber::yield();
        log.push_back("fiber 2");
    });
    fiber.resume();
    log.push_back("main");
    fiber.resume();
    REQUIRE(fiber.done());
    REQUIRE(log == std::vector<std::string>{"fiber 1", "main", "fiber 2"});
}

SWITCH_TEST(basic_fiber_nesting, "a fiber resumes another and current follows every switch", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    std::vector<Fiber*> seen;
    Fiber inner([&] {
        seen.push_back(Fiber::current());
        Fiber::yield();
        seen.push_back(Fiber::current());
    });
    Fiber outer([&] {
        seen.push_back(Fiber::current());
        inner.resume();
        seen.push_back(Fiber::current());
        inner.resume();
    });
    outer.resume();
    seen.push_back(Fiber::current());
    REQUIRE(seen == std::vector<Fiber*>{&outer, &inner, &outer, &inner, nullptr});
}

SWITCH_TEST(basic_fiber_exception, "an exception escaping a fiber body comes out of resume", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    Fiber fiber([] {
        Fiber::yield();
        throw std::out_of_range("escaped");
    });
    fiber.resume();
    REQUIRE_THROWS_AS(fiber.resume(), std::out_of_range);
    REQUIRE(fiber.done());
}

SWITCH_TEST(basic_fiber_catch_yield, "a fiber that yields inside a catch block rethrows its own exception", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    std::string rethrown;
    Fiber fiber([&] {
        try {
            throw std::runtime_error("fiber's");
        } catch (std::exception const&) {
            Fiber::yield();
            try {
                throw;
            } catch (std::exception const& error) {
                rethrown = error.what();
            }
        }
    });
    fiber.resume();
    try {
        throw std::runtime_error("main's");
    } catch (std::exception const&) {
        fiber.resume();  // the fiber's `throw;` must not see main's exception
        REQUIRE(std::uncaught_exceptions() == 0);
    }
    REQUIRE(rethrown == "fiber's");
}

SWITCH_TEST(basic_fiber_unwind, "destroying a suspended fiber runs the destructors on its stack", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    struct Flag {
        bool& set;
        ~Flag() { set = true; }
    };
    bool destroyed = false;
    {
        Fiber fiber([&] {
            Flag flag{destroyed};
            for (;;) Fiber::yield();
        });
        fiber.resume();
        REQUIRE_FALSE(destroyed);
    }
    REQUIRE(destroyed);
}

namespace {

// Six values live across a call: the compiler keeps them in callee-saved registers (or
// in the frame). If a switch lost rbx, rbp or r12-r15, the sums would come out wrong.
template <class Fiber>
[[gnu::noinline]] std::uint64_t churn(std::uint64_t seed, Fiber* to_resume, int rounds) {
    std::uint64_t a = seed, b = seed * 3, c = seed * 5, d = seed * 7, e = seed * 11, f = seed * 13;
    for (int i = 0; i < rounds; ++i) {
        auto const k = static_cast<std::uint64_t>(i);
        a += k;
        b ^= k * 3;
        c += a ^ b;
        d = d * 31 + c;
        e ^= d >> 3;
        f += e | k;
        if (to_resume != nullptr)
            to_resume->resume();
        else
            Fiber::yield();
    }
    return a ^ b ^ c ^ d ^ e ^ f;
}

template <class Fiber>
std::uint64_t churn_alone(std::uint64_t seed, int rounds) {
    std::uint64_t a = seed, b = seed * 3, c = seed * 5, d = seed * 7, e = seed * 11, f = seed * 13;
    for (int i = 0; i < rounds; ++i) {
        auto const k = static_cast<std::uint64_t>(i);
        a += k;
        b ^= k * 3;
        c += a ^ b;
        d = d * 31 + c;
        e ^= d >> 3;
        f += e | k;
    }
    return a ^ b ^ c ^ d ^ e ^ f;
}

[[gnu::noinline]] void note_address_of_aligned_local(std::vector<std::uintptr_t>& addresses) {
    alignas(16) volatile char buffer[16] = {};
    buffer[0] = 1;
    addresses.push_back(reinterpret_cast<std::uintptr_t>(&buffer[0]));
}

}  // namespace

SWITCH_TEST(callee_saved_registers, "values held in registers survive switches on both sides", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    std::uint64_t in_fiber = 0;
    Fiber fiber([&] { in_fiber = churn<Fiber>(1234567, nullptr, 1000); });
    std::uint64_t const in_main = churn<Fiber>(7654321, &fiber, 1000);
    fiber.resume();  // its last yield
    REQUIRE(fiber.done());
    REQUIRE(in_main == churn_alone<Fiber>(7654321, 1000));
    REQUIRE(in_fiber == churn_alone<Fiber>(1234567, 1000));
}

namespace {

// Eight doubles live across a call. On AArch64 the compiler keeps them in d8-d15, which a
// switch must save; x86-64 has no callee-saved floating-point registers, so there they
// go to the frame. Only additions: nothing the compiler could fuse differently in the two
// functions, so both compute the very same bits.
template <class Fiber>
[[gnu::noinline]] double churn_doubles(double seed, Fiber* to_resume, int rounds) {
    double a = seed, b = seed + 1, c = seed + 2, d = seed + 3, e = seed + 4, f = seed + 5, g = seed + 6, h = seed + 7;
    for (int i = 0; i < rounds; ++i) {
        a += 0.5;
        b += a;
        c += b;
        d += c;
        e += d;
        f += e;
        g += f;
        h += g;
        if (to_resume != nullptr)
            to_resume->resume();
        else
            Fiber::yield();
    }
    return a + b + c + d + e + f + g + h;
}

[[gnu::noinline]] double churn_doubles_alone(double seed, int rounds) {
    double a = seed, b = seed + 1, c = seed + 2, d = seed + 3, e = seed + 4, f = seed + 5, g = seed + 6, h = seed + 7;
    for (int i = 0; i < rounds; ++i) {
        a += 0.5;
        b += a;
        c += b;
        d += c;
        e += d;
        f += e;
        g += f;
        h += g;
    }
    return a + b + c + d + e + f + g + h;
}

}  // namespace

SWITCH_TEST(callee_saved_float_registers, "floating-point values held in registers survive switches on both sides", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    double in_fiber = 0;
    Fiber fiber([&] { in_fiber = churn_doubles<Fiber>(0.25, nullptr, 200); });
    double const in_main = churn_doubles<Fiber>(1.75, &fiber, 200);
    fiber.resume();  // its last yield
    REQUIRE(fiber.done());
    REQUIRE(in_main == churn_doubles_alone(1.75, 200));
    REQUIRE(in_fiber == churn_doubles_alone(0.25, 200));
}

SWITCH_TEST(stack_alignment, "functions called in a fiber get a 16 byte aligned stack", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    // The compiler places a 16-aligned local at a fixed offset from the stack pointer,
    // trusting the ABI's promise about its alignment; a first frame laid out wrongly
    // shows here (and in printf of a double, which crashes on a misaligned stack).
    std::vector<std::uintptr_t> addresses;
    Fiber fiber([&] {
        note_address_of_aligned_local(addresses);
        Fiber::yield();
        note_address_of_aligned_local(addresses);
        volatile double x = 2.5;
        char text[32];
        std::snprintf(text, sizeof text, "%.2f", x * 2);
        REQUIRE(std::string(text) == "5.00");
    });
    fiber.resume();
    fiber.resume();
    REQUIRE(addresses.size() == 2);
    for (auto address : addresses) REQUIRE(address % 16 == 0);
}

SWITCH_TEST(floating_point_control, "each side keeps its own floating-point rounding mode across switches", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    REQUIRE(std::fegetround() == FE_TONEAREST);
    int mode_in_fiber_after_yield = -1;
    Fiber fiber([&] {
        std::fesetround(FE_UPWARD);  // sets MXCSR and the x87 control word
        Fiber::yield();
        mode_in_fiber_after_yield = std::fegetround();
        std::fesetround(FE_TONEAREST);  // leave the fiber's settings tidy
    });
    fiber.resume();
    int const mode_in_main = std::fegetround();
    std::fesetround(FE_TOWARDZERO);  // main changes its own mode while the fiber is away
    fiber.resume();
    int const main_after = std::fegetround();
    std::fesetround(FE_TONEAREST);
    REQUIRE(mode_in_main == FE_TONEAREST);
    REQUIRE(mode_in_fiber_after_yield == FE_UPWARD);
    REQUIRE(main_after == FE_TOWARDZERO);
}

SWITCH_TEST(new_fiber_inherits_rounding, "a new fiber starts with its creator's rounding mode", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    std::fesetround(FE_DOWNWARD);
    int seen = -1;
    {
        Fiber fiber([&] { seen = std::fegetround(); });
        std::fesetround(FE_TONEAREST);
        fiber.resume();
    }
    REQUIRE(seen == FE_DOWNWARD);
}

SWITCH_TEST(deep_stack_use, "a fiber can use most of its stack for deep recursion", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    // About 32 KiB of frames on a 64 KiB stack.
    struct Recurse {
        static int down(int depth) {
            volatile char frame[400];
            frame[0] = static_cast<char>(depth);
            if (depth == 0) {
                Fiber::yield();  // suspend at the deepest point
                return 0;
            }
            return down(depth - 1) + (frame[0] == static_cast<char>(depth) ? 1 : 0);
        }
    };
    int result = -1;
    Fiber fiber([&] { result = Recurse::down(80); });
    fiber.resume();
    fiber.resume();
    REQUIRE(result == 80);
}

SWITCH_TEST(million_switches, "a million switches in a row neither crash nor leak", "") {
    using Fiber = asyncio::BasicFiber<Switch>;
    long count = 0;
    Fiber fiber([&] {
        for (;;) {
            ++count;
            Fiber::yield();
        }
    });
    for (int i = 0; i < 500'000; ++i) fiber.resume();
    REQUIRE(count == 500'000);
}

// Chapter 01's signal mask hazard (the signal_mask lesson program), and the assembly switch
// as its cure: a fiber made before the thread blocks SIGUSR1 runs with the mask recorded at
// its making under ucontext, and with the thread's mask of the moment under the assembly switch.
template <class Switch>
static bool sigusr1_blocked_in_a_fiber_made_before_blocking_it() {
    using Fiber = asyncio::BasicFiber<Switch>;
    sigset_t usr1, before, inside, after;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &usr1, &before);
    Fiber fiber([&] { sigprocmask(SIG_SETMASK, nullptr, &inside); });
    sigprocmask(SIG_BLOCK, &usr1, nullptr);
    fiber.resume();
    sigprocmask(SIG_SETMASK, nullptr, &after);
    sigprocmask(SIG_SETMASK, &before, nullptr);
    REQUIRE(sigismember(&after, SIGUSR1) == 1);  // back on the thread's side, blocked either way
    return sigismember(&inside, SIGUSR1) == 1;
}

TEST_CASE("a ucontext switch unblocks a signal blocked after the fiber was made", "[ch02]") {
    REQUIRE_FALSE(sigusr1_blocked_in_a_fiber_made_before_blocking_it<asyncio::UcontextSwitch>());
}

TEST_CASE("the assembly switch keeps a signal blocked after the fiber was made", "[ch02][asm-switch][bonus]") {
    if (!asyncio::AssemblySwitch::hand_written) COURSE_SKIP("no hand-written switch for this CPU: ucontext is used");
    REQUIRE(sigusr1_blocked_in_a_fiber_made_before_blocking_it<asyncio::AssemblySwitch>());
}
