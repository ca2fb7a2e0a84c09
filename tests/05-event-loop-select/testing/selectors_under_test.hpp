// The selectors that chapter 05's event loop tests run on. Chapter 06 shadows this file
// (tests/06-poll-and-epoll/testing/selectors_under_test.hpp) to add poll and epoll, so
// the same loop tests then run on all three.
#pragma once

#include <asyncio/select_selector.hpp>

// A comma-separated type list for Catch2's TEMPLATE_TEST_CASE, which runs the test once
// per type and names each run after it ("... - asyncio::selectors::SelectSelector").
#define COURSE_SELECTORS_UNDER_TEST asyncio::selectors::SelectSelector
