// SWITCH_TEST(function, "name", "[step]"): one test body, run on both context-switch
// back-ends. Chapter 02 test helper. The body is a function template over `Switch`,
// registered as two test cases:
//   "name - ucontext"   tagged [ch02][step]: the exercise step it checks
//   "name - assembly"   tagged [ch02][asm-switch][bonus]: the same behaviour on the
//                        hand-written switch, so a class that skips the bonus step still
//                        sees its steps pass, and the bonus step is checked by the whole suite.
// (Catch2's TEMPLATE_TEST_CASE would give both instances the same tags.)
// SWITCH_TEST_WITH(function, "name", "[step]", "[tag]") adds tags such as [slow] or
// [threads] to both.
#pragma once

#include <testing/catch.hpp>

#include <asyncio/assembly_switch.hpp>
#include <asyncio/scheduler.hpp>
#include <asyncio/ucontext_switch.hpp>

#define SWITCH_TEST_WITH(function, name, step_tags, common_tags)             \
    template <class Switch>                                                  \
    static void function();                                                  \
    TEST_CASE(name " - ucontext", "[ch02]" step_tags common_tags) {          \
        function<asyncio::UcontextSwitch>();                                 \
    }                                                                        \
    TEST_CASE(name " - assembly", "[ch02][asm-switch][bonus]" common_tags) { \
        function<asyncio::AssemblySwitch>();                                 \
    }                                                                        \
    template <class Switch>                                                  \
    static void function()

#define SWITCH_TEST(function, name, step_tags) SWITCH_TEST_WITH(function, name, step_tags, "")
