#pragma once
// An earlier chapter's header that includes a header a later chapter shadows.
#include <asyncio/which.hpp>
namespace asyncio { constexpr int seen_from_chapter_00 = header_chapter; }
