// DefaultSelector: the selector an EventLoop uses unless told otherwise. Chapter 06
// replaces chapter 05's version (select) with epoll, the best Linux has, as Python's
// selectors.DefaultSelector does.
#pragma once

#include <asyncio/epoll_selector.hpp>

namespace asyncio::selectors {

using DefaultSelector = EpollSelector;

}  // namespace asyncio::selectors
