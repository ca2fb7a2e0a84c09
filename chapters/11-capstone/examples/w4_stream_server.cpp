// w4_stream_server.cpp: chapter 08's W4 echo server (ch08_w4_server) written on streams:
// start_server runs a task per connection that reads what is there and writes it back.
// Alone in its process, for the peers' harness client (w4_client), as tools/w4_compare.sh
// drives ch08_w4_server. Binds 127.0.0.1:0, prints the port, echoes until `lifetime`
// seconds have passed, then prints the CPU time it used.
// Usage: ch11_w4_stream_server [lifetime_s=120]. Chapter 11.
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/streams.hpp>

#include <fmt/core.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// region: echo
asyncio::Coro<void> echo(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
    while (true) {
        std::string const data = co_await reader.read(64 * 1024);  // what is there, up to 64 KiB
        if (data.empty()) break;                                   // the client closed
        writer.write(data);
        co_await writer.drain();
    }
}
// endregion

asyncio::Coro<void> amain(int lifetime) {
    asyncio::Server server = co_await asyncio::start_server(echo);
    fmt::print("{}\n", server.port());
    std::fflush(stdout);
    co_await asyncio::sleep(std::chrono::seconds(lifetime));
    server.close();  // asyncio::run cancels the connections' tasks
}

}  // namespace

int main(int argc, char** argv) {
    int const lifetime = argc > 1 ? std::atoi(argv[1]) : 120;
    if (lifetime < 1) {
        fmt::print(stderr, "usage: ch11_w4_stream_server [lifetime_s >= 1]\n");
        return 2;
    }
    asyncio::run(amain(lifetime));
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    fmt::print(stderr, "server CPU: {:.2f} s user, {:.2f} s system\n",
               static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6,
               static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec * 1e-6);
}
