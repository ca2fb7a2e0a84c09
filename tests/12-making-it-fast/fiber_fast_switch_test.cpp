// Chapter 12, step inline-switch: the inline fast path of BasicFiber (resume, yield, the
// switch both ways) keeps every promise of chapters 01 and 02, on both back-ends: each
// stack has its own exceptions in flight and in catch blocks, the current fiber follows
// every switch, and the merged state check still refuses what it must.
#include <testing/catch.hpp>

#include <asyncio/assembly_switch.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/fiber.hpp>
#include <asyncio/ucontext_switch.hpp>

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using asyncio::AssemblySwitch;
using asyncio::UcontextSwitch;

// The name of the exception being handled on this stack, or "none".
std::string current_exception_name() {
    std::exception_ptr const current = std::current_exception();
    if (current == nullptr) return "none";
    try {
        std::rethrow_exception(current);
    } catch (std::exception const& error) {
        return error.what();
    } catch (...) {
        return "?";
    }
}

// ---------------------------------------------------------------------------------------
// An exception in flight (thrown, being unwound, not yet caught) in one fiber.

template <class Switch>
struct YieldWhileUnwinding {
    int& before;
    int& after;
    ~YieldWhileUnwinding() {
        before = std::uncaught_exceptions();
        asyncio::BasicFiber<Switch>::yield();  // in the middle of the unwinding
        after = std::uncaught_exceptions();
    }
};

template <class Switch>
void exception_in_flight_stays_in_its_fiber() {
    using Fiber = asyncio::BasicFiber<Switch>;
    int a_before = -1, a_after = -1, b_uncaught = -1, main_uncaught = -1;
    std::string a_caught, b_current, main_current;
    Fiber a([&] {
        try {
            YieldWhileUnwinding<Switch> probe{a_before, a_after};
            throw std::runtime_error("a's");
        } catch (std::runtime_error const& error) {
            a_caught = error.what();
        }
    });
    Fiber b([&] {
        b_uncaught = std::uncaught_exceptions();
        b_current = current_exception_name();
    });
    a.resume();  // a yields from a destructor run by the unwinding of its exception
    main_uncaught = std::uncaught_exceptions();
    main_current = current_exception_name();
    b.resume();
    a.resume();  // a finishes unwinding and catches its own exception
    REQUIRE(a.done());
    REQUIRE(b.done());
    CHECK(a_before == 1);
    CHECK(a_after == 1);
    CHECK(a_caught == "a's");
    CHECK(main_uncaught == 0);
    CHECK(main_current == "none");
    CHECK(b_uncaught == 0);
    CHECK(b_current == "none");
    CHECK(std::uncaught_exceptions() == 0);
}

}  // namespace

TEST_CASE("an exception being unwound in one fiber is not in flight in main or in another fiber",
          "[ch12][inline-switch]") {
    exception_in_flight_stays_in_its_fiber<UcontextSwitch>();
    exception_in_flight_stays_in_its_fiber<AssemblySwitch>();
}

// ---------------------------------------------------------------------------------------
// A rethrow across a switch.

namespace {

template <class Switch>
void rethrow_after_a_switch() {
    using Fiber = asyncio::BasicFiber<Switch>;
    Fiber fiber([] {
        try {
            throw std::runtime_error("fiber's");
        } catch (...) {
            Fiber::yield();  // inside the catch block
            throw;           // after the switch back: must be the fiber's own exception
        }
    });
    fiber.resume();
    std::string from_fiber, main_rethrew, main_current_after_resume;
    try {
        throw std::logic_error("main's");
    } catch (std::logic_error const&) {
        try {
            fiber.resume();  // the fiber's rethrow escapes its body and comes out of here
        } catch (std::runtime_error const& error) {
            from_fiber = error.what();
        }
        main_current_after_resume = current_exception_name();
        try {
            throw;
        } catch (std::logic_error const& error) {
            main_rethrew = error.what();
        }
    }
    REQUIRE(fiber.done());
    CHECK(from_fiber == "fiber's");
    CHECK(main_current_after_resume == "main's");
    CHECK(main_rethrew == "main's");
    CHECK(std::current_exception() == nullptr);
    CHECK(std::uncaught_exceptions() == 0);
}

}  // namespace

TEST_CASE("a rethrow in a fiber after a switch throws the fiber's exception out of resume into main's catch block",
          "[ch12][inline-switch]") {
    rethrow_after_a_switch<UcontextSwitch>();
    rethrow_after_a_switch<AssemblySwitch>();
}

// ---------------------------------------------------------------------------------------
// Nested try blocks in fibers taking turns.

namespace {

template <class Switch>
auto nested_catch_blocks(std::string name, std::vector<std::string>& log) {
    using Fiber = asyncio::BasicFiber<Switch>;
    return [name, &log] {
        try {
            throw std::runtime_error(name + " outer");
        } catch (std::exception const&) {
            Fiber::yield();
            try {
                throw std::runtime_error(name + " inner");
            } catch (std::exception const&) {
                Fiber::yield();
                log.push_back(name + " handles " + current_exception_name());
            }
            Fiber::yield();
            log.push_back(name + " handles " + current_exception_name());
            try {
                throw;
            } catch (std::exception const& again) {
                log.push_back(name + " rethrew " + again.what());
            }
        }
        log.push_back(name + " handles " + current_exception_name());
    };
}

template <class Switch>
void nested_catch_blocks_take_turns() {
    using Fiber = asyncio::BasicFiber<Switch>;
    std::vector<std::string> log;
    Fiber a(nested_catch_blocks<Switch>("a", log));
    Fiber b(nested_catch_blocks<Switch>("b", log));
    // Main has a catch block of its own around all of it.
    try {
        throw std::runtime_error("main");
    } catch (std::exception const&) {
        a.resume();  // a: in outer
        b.resume();  // b: in outer
        log.push_back("main handles " + current_exception_name());
        b.resume();  // b: in inner
        a.resume();  // a: in inner
        a.resume();  // a: inner done, back in outer
        log.push_back("main handles " + current_exception_name());
        b.resume();  // b: inner done, back in outer
        b.resume();  // b: rethrows outer, finishes
        log.push_back("main handles " + current_exception_name());
        a.resume();  // a: rethrows outer, finishes
    }
    REQUIRE(a.done());
    REQUIRE(b.done());
    REQUIRE(log == std::vector<std::string>{
                       "main handles main",
                       "a handles a inner",
                       "main handles main",
                       "b handles b inner",
                       "b handles b outer",
                       "b rethrew b outer",
                       "b handles none",
                       "main handles main",
                       "a handles a outer",
                       "a rethrew a outer",
                       "a handles none",
                   });
    CHECK(std::current_exception() == nullptr);
}

}  // namespace

TEST_CASE("nested catch blocks in two fibers taking turns each see and rethrow their own exception",
          "[ch12][inline-switch]") {
    nested_catch_blocks_take_turns<UcontextSwitch>();
    nested_catch_blocks_take_turns<AssemblySwitch>();
}

// ---------------------------------------------------------------------------------------
// Other threads: the per-thread cache of the exception record.

TEST_CASE("fibers on a second thread keep their exceptions apart as on the first", "[ch12][inline-switch][threads]") {
    // Main switches first (and fills its cache); then the same on another thread.
    rethrow_after_a_switch<AssemblySwitch>();
    nested_catch_blocks_take_turns<AssemblySwitch>();
    std::thread other([] {
        rethrow_after_a_switch<AssemblySwitch>();
        nested_catch_blocks_take_turns<AssemblySwitch>();
    });
    other.join();
}

TEST_CASE("a fiber made on one thread and run on another keeps its exceptions apart",
          "[ch12][inline-switch][threads]") {
    using Fiber = asyncio::BasicFiber<AssemblySwitch>;
    std::string from_fiber, thread_rethrew;
    auto fiber = std::make_unique<Fiber>([] {
        try {
            throw std::runtime_error("fiber's");
        } catch (...) {
            Fiber::yield();
            throw;
        }
    });
    std::thread other([&] {
        fiber->resume();  // its first resume: the fiber belongs to this thread from now on
        try {
            throw std::logic_error("thread's");
        } catch (std::logic_error const&) {
            try {
                fiber->resume();
            } catch (std::runtime_error const& error) {
                from_fiber = error.what();
            }
            try {
                throw;
            } catch (std::logic_error const& error) {
                thread_rethrew = error.what();
            }
        }
        fiber.reset();
    });
    other.join();
    CHECK(from_fiber == "fiber's");
    CHECK(thread_rethrew == "thread's");
}

// ---------------------------------------------------------------------------------------
// The state check and the current fiber on the fast path.

namespace {

template <class Switch>
void refusals() {
    using Fiber = asyncio::BasicFiber<Switch>;
    int refused = 0;
    bool resumed_after_created = false;
    Fiber* outer_address = nullptr;
    Fiber inner([&] {
        try {
            outer_address->resume();  // outer is running: waiting for us
        } catch (asyncio::RuntimeError const&) {
            ++refused;
        }
        try {
            Fiber::current()->resume();  // ourselves
        } catch (asyncio::RuntimeError const&) {
            ++refused;
        }
        Fiber::yield();
    });
    Fiber outer([&] {
        inner.resume();  // from created
        resumed_after_created = true;
        inner.resume();  // from suspended: inner finishes
    });
    outer_address = &outer;
    outer.resume();
    REQUIRE(refused == 2);
    REQUIRE(resumed_after_created);
    REQUIRE(outer.done());
    REQUIRE(inner.done());
    REQUIRE_THROWS_AS(inner.resume(), asyncio::RuntimeError);  // finished
    REQUIRE_THROWS_AS(Fiber::yield(), asyncio::RuntimeError);  // not in a fiber
}

template <class Switch>
void current_follows_every_switch() {
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
        Fiber::yield();
        seen.push_back(Fiber::current());
        inner.resume();
        seen.push_back(Fiber::current());
    });
    outer.resume();
    seen.push_back(Fiber::current());
    outer.resume();
    seen.push_back(Fiber::current());
    REQUIRE(seen == std::vector<Fiber*>{&outer, &inner, &outer, nullptr, &outer, &inner, &outer, nullptr});
}

template <class Switch>
void destroyed_while_suspended_unwinds() {
    using Fiber = asyncio::BasicFiber<Switch>;
    struct Flag {
        int& count;
        ~Flag() { ++count; }
    };
    int destroyed = 0;
    {
        Fiber fiber([&] {
            Flag flag{destroyed};
            for (;;) {
                Flag each_round{destroyed};
                Fiber::yield();
            }
        });
        fiber.resume();
        fiber.resume();
        REQUIRE(destroyed == 1);  // the first round's flag
    }
    REQUIRE(destroyed == 3);
}

}  // namespace

TEST_CASE("the fast resume refuses a running or finished fiber and yield refuses outside a fiber",
          "[ch12][inline-switch]") {
    refusals<UcontextSwitch>();
    refusals<AssemblySwitch>();
}

TEST_CASE("the current fiber follows every switch of the fast path", "[ch12][inline-switch]") {
    current_follows_every_switch<UcontextSwitch>();
    current_follows_every_switch<AssemblySwitch>();
}

TEST_CASE("a fiber destroyed while suspended on the fast path is unwound", "[ch12][inline-switch]") {
    destroyed_while_suspended_unwinds<UcontextSwitch>();
    destroyed_while_suspended_unwinds<AssemblySwitch>();
}
