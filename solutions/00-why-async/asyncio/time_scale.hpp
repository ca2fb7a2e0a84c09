// Scaled time for lesson programs and tests: ASYNCIO_TIME_SCALE=0.01 makes a 2 s
// "download" take 20 ms, so CI need not wait real seconds while the printed story
// stays the same. Introduced in chapter 00.
#pragma once

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace asyncio {

// The factor read from ASYNCIO_TIME_SCALE once (default 1). A value that is not a
// positive number is a configuration mistake, reported rather than ignored.
inline double time_scale() {
    static double const scale = [] {
        char const* text = std::getenv("ASYNCIO_TIME_SCALE");
        if (text == nullptr || *text == '\0') return 1.0;
        char* end = nullptr;
        double const value = std::strtod(text, &end);
        if (end == text || *end != '\0' || !(value > 0))
            throw std::invalid_argument(std::string("ASYNCIO_TIME_SCALE must be a positive number, not '") + text + "'");
        return value;
    }();
    return scale;
}

// `duration` multiplied by the time scale, e.g. scaled(2s) is 20 ms at scale 0.01.
template <class Rep, class Period>
std::chrono::nanoseconds scaled(std::chrono::duration<Rep, Period> duration) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double, std::nano>(duration) * time_scale());
}

}  // namespace asyncio
