// DefaultSelector: the selector an EventLoop uses unless told otherwise. In chapter 05
// it is the only one we have, SelectSelector; chapter 06 replaces this header with one
// that picks epoll, as Python's selectors.DefaultSelector does on Linux.
#pragma once

#include <asyncio/select_selector.hpp>

namespace asyncio::selectors {

using DefaultSelector = SelectSelector;

}  // namespace asyncio::selectors
