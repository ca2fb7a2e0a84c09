#include <asyncio/source.hpp>
int asyncio::source_chapter() { return 0; }
