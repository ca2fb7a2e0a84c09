#include <asyncio/source.hpp>
int asyncio::source_chapter() {
    // TODO(shadow): Return this chapter's number.
    return -1;
}
