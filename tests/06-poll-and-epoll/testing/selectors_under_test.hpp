// The selectors that chapter 05's event loop tests run on, from chapter 06 on: this file
// shadows tests/05-event-loop-select/testing/selectors_under_test.hpp, adding poll and
// epoll to select, so the same loop tests run on all three.
#pragma once

#include <asyncio/epoll_selector.hpp>
#include <asyncio/poll_selector.hpp>
#include <asyncio/select_selector.hpp>

// A comma-separated type list for Catch2's TEMPLATE_TEST_CASE, which runs the test once
// per type and names each run after it ("... - asyncio::selectors::EpollSelector").
#define COURSE_SELECTORS_UNDER_TEST \
    asyncio::selectors::SelectSelector, asyncio::selectors::PollSelector, asyncio::selectors::EpollSelector
