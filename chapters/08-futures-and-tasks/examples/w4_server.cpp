// w4_server.cpp: the course's server for W4 of the peers' harness (../shared/peers): the
// coroutine echo server of echo_bench (a task per connection, sock_recv then
// sock_sendall), alone in its process, so that the harness's own client (w4_client, a
// separate epoll process) drives it exactly as it drives libuv's and asio's servers.
// Binds 127.0.0.1:0, prints the port, echoes until `lifetime` seconds have passed, then
// prints the CPU time it used. Usage: ch08_w4_server [lifetime_s=120]. Chapter 08.
#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/sock.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/task.hpp>

#include <fmt/core.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

namespace {

asyncio::Coro<void> echo_connection(asyncio::FileDescriptor connection) {
    int const one = 1;
    ::setsockopt(connection.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as every peer does
    std::vector<char> buffer(64 * 1024);
    while (std::size_t const got = co_await asyncio::sock_recv(connection.get(), std::span<char>(buffer)))
        co_await asyncio::sock_sendall(connection.get(), std::string_view(buffer.data(), got));
}

asyncio::Coro<void> serve(int listener) {
    while (true) {
        asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener);
        (void)asyncio::create_task(echo_connection(std::move(connection)));
    }
}

asyncio::Coro<void> amain(int lifetime) {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);
    fmt::print("{}\n", asyncio::local_port(listener.get()));
    std::fflush(stdout);
    auto server = asyncio::create_task(serve(listener.get()));
    co_await asyncio::sleep(std::chrono::seconds(lifetime));
    server.cancel();  // asyncio::run cancels the connections' tasks
}

}  // namespace

int main(int argc, char** argv) {
    int const lifetime = argc > 1 ? std::atoi(argv[1]) : 120;
    if (lifetime < 1) {
        fmt::print(stderr, "usage: ch08_w4_server [lifetime_s >= 1]\n");
        return 2;
    }
    asyncio::run(amain(lifetime));
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    fmt::print(stderr, "server CPU: {:.2f} s user, {:.2f} s system\n",
               static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6,
               static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec * 1e-6);
}
