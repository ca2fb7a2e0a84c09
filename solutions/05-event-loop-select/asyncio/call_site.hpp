// CallSite: the file and line a callback was scheduled from, so an error report can say
// which callback failed (Python's debug mode records the same). Introduced in chapter 05.
#pragma once

#include <string>

namespace asyncio {

// std::source_location would do this, but clang 14 cannot compile it with libstdc++ 12,
// so we use the builtins it is made of (g++ and clang both have them). As a default
// argument, CallSite::current() is evaluated where the *caller* calls, which is the point:
// `loop.call_soon(f)` records the caller's line, not a line inside call_soon.
struct CallSite {
    char const* file = "";
    int line = 0;

    static constexpr CallSite current(char const* file = __builtin_FILE(), int line = __builtin_LINE()) noexcept {
        return CallSite{file, line};
    }

    // "ping_pong.cpp:31": the build passes absolute paths, of which the file name is enough.
    std::string describe() const {
        std::string path = file;
        std::string::size_type const slash = path.rfind('/');
        if (slash != std::string::npos) path.erase(0, slash + 1);
        return path + ":" + std::to_string(line);
    }
};

}  // namespace asyncio
