// Chapter 05: SelectSelector keeps the selector contract (select-selector).
#include <testing/catch.hpp>

#include <testing/selector_contract.hpp>

#include <asyncio/default_selector.hpp>
#include <asyncio/select_selector.hpp>

COURSE_SELECTOR_CONTRACT(asyncio::selectors::SelectSelector, "SelectSelector", "[ch05][select-selector]")

TEST_CASE("a selector with nothing registered can still wait for a timeout", "[ch05][select-selector]") {
    using namespace std::chrono_literals;
    asyncio::selectors::SelectSelector selector;
    auto const start = std::chrono::steady_clock::now();
    CHECK(selector.select(10ms).empty());
    CHECK(std::chrono::steady_clock::now() - start >= 10ms);
}
