// Catch2 shim: the course's tests include this one header and work with Catch2 2.x
// (Debian 12: single header <catch2/catch.hpp>) and Catch2 3.x (split headers).
#pragma once

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#define COURSE_CATCH_VERSION 3
#else
#include <catch2/catch.hpp>
#define COURSE_CATCH_VERSION 2
#endif

// COURSE_SKIP("reason"): end the current test as skipped, saying why. Catch2 3 has
// SKIP; with 2.x we print a warning that CTest recognises ("SKIPPED:", see
// cmake/discover_tests.cmake) and leave the test.
#if COURSE_CATCH_VERSION == 3
#define COURSE_SKIP(reason) SKIP(reason)
#else
#define COURSE_SKIP(reason)             \
    do {                                \
        WARN("SKIPPED: " << reason);    \
        return;                         \
    } while (false)
#endif
