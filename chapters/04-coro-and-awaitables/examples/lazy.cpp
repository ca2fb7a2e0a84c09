// lazy.cpp: a Coro runs nothing until it is awaited, and a Coro that is never awaited
// never runs: its frame is freed when the Coro is destroyed. This is the C++ side of
// the running example's mistake (process_data created and never awaited). Chapter 04.
#include <asyncio/coro.hpp>
#include <asyncio/counted_frame.hpp>
#include <asyncio/sync_wait.hpp>

#include <fmt/core.h>

#include <string>
#include <utility>

// Says when it is destroyed: passed by value, it is copied into the coroutine's
// frame, so its destructor shows when the frame is freed.
struct FrameWitness {
    std::string name;
    FrameWitness(std::string n) : name(std::move(n)) {}
    FrameWitness(FrameWitness&& other) noexcept : name(std::exchange(other.name, "")) {}
    ~FrameWitness() {
        if (!name.empty()) fmt::print("   (the frame of {} is freed)\n", name);
    }
};

// region: coroutines
asyncio::Coro<std::string> fetch_data(std::string url, FrameWitness) {
    fmt::print("   fetch_data body runs: Fetching data from {}\n", url);
    co_return "Data from " + url;
}

asyncio::Coro<std::string> process_data(std::string data, FrameWitness) {
    fmt::print("   process_data body runs: Processing data: {}\n", data);
    co_return "Processed data: " + data;
}
// endregion

// region: amain
asyncio::Coro<int> amain() {
    std::string data;
    {
        fmt::print("1. call fetch_data(): we get a Coro; its body has not run\n");
        asyncio::Coro<std::string> fetch = fetch_data("http://example.com", FrameWitness{"fetch_data"});

        fmt::print("2. co_await it: now the body runs, and we get its value\n");
        data = co_await fetch;
        fmt::print("   got \"{}\"\n", data);
    }  // `fetch` is destroyed here, and with it the finished frame

    fmt::print("3. call process_data() and never await it (the running example's mistake)\n");
    {
        asyncio::Coro<std::string> forgotten = process_data(data, FrameWitness{"process_data"});
        fmt::print("   live coroutine frames: {}\n", asyncio::frame_stats().live.load());
    }  // `forgotten` is destroyed here, and with it the frame: its body never ran

    fmt::print("4. nothing was processed; live coroutine frames: {}\n", asyncio::frame_stats().live.load());
    co_return 0;
}

int main() {
    return asyncio::sync_wait(amain());
}
// endregion
