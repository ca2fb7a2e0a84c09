#include <testing/catch.hpp>
#include <asyncio/source.hpp>
#include <asyncio/uses_which.hpp>

TEST_CASE("the newest chapter's header wins", "[ch01]") { REQUIRE(asyncio::header_chapter == 1); }
TEST_CASE("an earlier header includes the newest version", "[ch01]") { REQUIRE(asyncio::seen_from_chapter_00 == 1); }
TEST_CASE("the newest chapter's source wins in the solution build", "[ch01][shadow]") { REQUIRE(asyncio::source_chapter() == 1); }
