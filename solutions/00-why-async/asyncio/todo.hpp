// What an unfinished exercise does: throw NotImplementedError, naming the chapter
// and the step, so a test failure tells the learner exactly where to look.
// Introduced in chapter 00; every starter file uses it.
#pragma once

#include <asyncio/exceptions.hpp>

#include <string>

namespace asyncio {

[[noreturn]] inline void throw_todo(char const* chapter, char const* step) {
    throw NotImplementedError(std::string("TODO(") + chapter + " " + step +
                              "): this exercise step is not written yet; run ./course hint " +
                              std::string(chapter).substr(2));
}

}  // namespace asyncio
