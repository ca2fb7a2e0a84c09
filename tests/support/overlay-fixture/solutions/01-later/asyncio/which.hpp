#pragma once
namespace asyncio { constexpr int header_chapter = 1; }
