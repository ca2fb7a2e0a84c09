// Chapter 12, step cached-exception-record: ExceptionState::swap_with_thread finds the
// calling thread's exception record through a per-thread cache, and still exchanges
// exactly that thread's record, both fields, on every call. No fibers here: the swap is
// tested on its own, so this step can be checked before the switch (inline-switch) is written.
//
// A record swapped out must be swapped back before the catch block it belongs to ends
// (the runtime would end the wrong catch), so every test records what it saw while the
// record was away, swaps back, and only then checks (a failing REQUIRE throws).
#include <testing/catch.hpp>

#include <asyncio/exception_state.hpp>

#include <exception>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <thread>

using asyncio::ExceptionState;

namespace {

// What one thread saw: while its record was parked, and after it came back.
struct Seen {
    bool hidden_while_parked = false;   // no current exception while parked
    int uncaught_while_parked = -1;     // std::uncaught_exceptions() while parked
    std::string rethrown_after_return;  // what `throw;` rethrew once the record was back
};

// In a catch block of an exception named `name`: parks the record in `parked`, looks,
// brings it back, rethrows.
Seen park_and_return(ExceptionState& parked, char const* name) {
    Seen seen;
    try {
        throw std::runtime_error(name);
    } catch (std::exception const&) {
        parked.swap_with_thread();
        seen.hidden_while_parked = std::current_exception() == nullptr;
        seen.uncaught_while_parked = std::uncaught_exceptions();
        parked.swap_with_thread();
        try {
            throw;
        } catch (std::exception const& again) {
            seen.rethrown_after_return = again.what();
        }
    }
    return seen;
}

}  // namespace

TEST_CASE("swapping with an empty exception record hides the exception being handled until it is swapped back",
          "[ch12][cached-exception-record]") {
    ExceptionState parked;
    Seen const seen = park_and_return(parked, "handled");
    REQUIRE(seen.hidden_while_parked);
    REQUIRE(seen.uncaught_while_parked == 0);
    REQUIRE(seen.rethrown_after_return == "handled");
    REQUIRE(std::current_exception() == nullptr);
}

namespace {
struct SwapWhileUnwinding {
    ExceptionState& parked;
    int& before;
    int& during;
    int& after;
    ~SwapWhileUnwinding() {
        before = std::uncaught_exceptions();
        parked.swap_with_thread();
        during = std::uncaught_exceptions();
        parked.swap_with_thread();
        after = std::uncaught_exceptions();
    }
};
}  // namespace

TEST_CASE("swapping the exception record moves the count of exceptions in flight too",
          "[ch12][cached-exception-record]") {
    ExceptionState parked;
    int before = -1, during = -1, after = -1;
    try {
        SwapWhileUnwinding probe{parked, before, during, after};
        throw std::runtime_error("in flight");
    } catch (std::runtime_error const&) {
    }
    REQUIRE(before == 1);
    REQUIRE(during == 0);
    REQUIRE(after == 1);
    REQUIRE(std::uncaught_exceptions() == 0);
}

TEST_CASE("a parked exception record keeps its exception while the thread handles another",
          "[ch12][cached-exception-record]") {
    ExceptionState parked;
    std::string inner_seen, outer_rethrown;
    bool hidden = false;
    try {
        throw std::runtime_error("outer");
    } catch (std::exception const&) {
        parked.swap_with_thread();  // the thread now handles nothing
        hidden = std::current_exception() == nullptr;
        try {
            throw std::logic_error("inner");
        } catch (std::logic_error const& inner) {
            inner_seen = inner.what();  // a whole catch block of its own, ended before the swap back
        }
        parked.swap_with_thread();
        try {
            throw;
        } catch (std::exception const& again) {
            outer_rethrown = again.what();
        }
    }
    REQUIRE(hidden);
    REQUIRE(inner_seen == "inner");
    REQUIRE(outer_rethrown == "outer");
}

TEST_CASE("each thread swaps its own exception record and not the first thread's",
          "[ch12][cached-exception-record][threads]") {
    // The main thread swaps first (and fills its cache), then two other threads in turn:
    // a cache shared by all threads would hand them the main thread's record.
    ExceptionState parked_by_main;
    Seen const on_main = park_and_return(parked_by_main, "main's");
    Seen on_first, on_second;
    std::thread first([&] {
        ExceptionState parked;
        on_first = park_and_return(parked, "first's");
    });
    first.join();
    std::thread second([&] {
        ExceptionState parked;
        on_second = park_and_return(parked, "second's");
    });
    second.join();
    Seen const on_main_again = park_and_return(parked_by_main, "main's again");
    for (Seen const* seen : std::initializer_list<Seen const*>{&on_main, &on_first, &on_second, &on_main_again}) {
        CHECK(seen->hidden_while_parked);
        CHECK(seen->uncaught_while_parked == 0);
    }
    CHECK(on_main.rethrown_after_return == "main's");
    CHECK(on_first.rethrown_after_return == "first's");
    CHECK(on_second.rethrown_after_return == "second's");
    CHECK(on_main_again.rethrown_after_return == "main's again");
}

TEST_CASE("an exception record made on one thread swaps with the record of the thread that uses it",
          "[ch12][cached-exception-record][threads]") {
    // A fiber may be made on one thread and first resumed on another: the record to swap
    // with is the caller's, found at the swap, never the creator's, found at construction.
    ExceptionState parked;  // made here, on the main thread
    Seen on_other;
    std::thread other([&] { on_other = park_and_return(parked, "other's"); });
    other.join();
    CHECK(on_other.hidden_while_parked);
    CHECK(on_other.rethrown_after_return == "other's");
    // ... and then on this thread, with the same object.
    Seen const here = park_and_return(parked, "main's");
    CHECK(here.hidden_while_parked);
    CHECK(here.rethrown_after_return == "main's");
}
