// W4 of the scoreboard (bench/WORKLOADS.md): the loopback echo server, on chapter 11's
// streams. start_server runs a task per connection that reads what is there (up to
// 64 KiB), writes it back and drains. Binds 127.0.0.1:0, prints "port N" as its first
// line on stdout, and echoes until SIGTERM or SIGINT, or for 120 s at most; then exits 0.
// bench/w4_client measures it (round trips per second, and this process's CPU time).
//
//   w4_server [--quick]      (--quick changes nothing here: the client sets the window)
#include <asyncio/event_loop.hpp>
#include <asyncio/locks.hpp>
#include <asyncio/pipe.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/streams.hpp>

#include <bench.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

namespace {

// The signal handler's way into the loop: one byte into a pipe the loop reads.
int signal_pipe = -1;

extern "C" void on_signal(int) {
    char const byte = 's';
    [[maybe_unused]] ssize_t const wrote = ::write(signal_pipe, &byte, 1);  // async-signal-safe
}

asyncio::Coro<void> echo(asyncio::StreamReader reader, asyncio::StreamWriter writer) {
    try {
        while (true) {
            std::string const data = co_await reader.read(64 * 1024);  // what is there, up to 64 KiB
            if (data.empty()) break;                                   // the client closed
            writer.write(data);
            co_await writer.drain();
        }
    } catch (asyncio::ConnectionResetError const&) {
        // The client went away without reading the last echo (it exits at the window's end).
    }
}

asyncio::Coro<void> serve(int stop_fd) {
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    asyncio::Event stop;
    loop.add_reader(stop_fd, [&stop] { stop.set(); });
    asyncio::TimerHandle lifetime = loop.call_later(std::chrono::seconds(120), [&stop] { stop.set(); });

    asyncio::Server server = co_await asyncio::start_server(echo);  // 127.0.0.1, a free port
    std::printf("port %u\n", static_cast<unsigned>(server.port()));
    std::fflush(stdout);

    co_await stop.wait();
    loop.remove_reader(stop_fd);
    lifetime.cancel();
    server.close();  // asyncio::run cancels the connections' tasks
}

}  // namespace

int main(int, char**) {
    try {
        asyncio::Pipe const pipe = asyncio::make_pipe();
        signal_pipe = pipe.write_end.get();
        struct sigaction action {};
        action.sa_handler = on_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGTERM, &action, nullptr);
        sigaction(SIGINT, &action, nullptr);
        asyncio::run(serve(pipe.read_end.get()));
        signal_pipe = -1;  // a late signal writes nowhere (EBADF) once the pipe is closed
    } catch (std::exception const& error) {
        std::fprintf(stderr, "w4_server: %s\n", error.what());
        return 1;
    }
    return 0;
}
