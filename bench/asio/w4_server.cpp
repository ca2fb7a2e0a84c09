// W4's server on asio (bench/WORKLOADS.md): a loopback echo server written with C++20
// coroutines: io_context{1}, one co_spawn'ed session per connection that reads what has
// arrived (async_read_some) and writes all of it back (async_write), TCP_NODELAY.
// Binds 127.0.0.1:0 and prints "port N" as its first stdout line; echoes until SIGTERM
// or SIGINT, or for at most 120 s, then exits 0. The client (bench/w4_client) measures.
//
//   w4_server [--quick]     prints: port N
#include <bench.hpp>

#include <asio.hpp>

#include <chrono>
#include <cstdio>
#include <system_error>

namespace {

using asio::ip::tcp;

asio::awaitable<void> session(tcp::socket socket) {
    char data[4096];
    std::error_code ec;
    for (;;) {
        std::size_t const n =
            co_await socket.async_read_some(asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;  // eof or reset: the client is gone
        co_await asio::async_write(socket, asio::buffer(data, n), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
    }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor) {
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
        socket.set_option(tcp::no_delay(true));
        asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
}

}  // namespace

int main(int /*argc*/, char** /*argv*/) {
    asio::io_context io{1};

    // Before the port is printed, so a signal from whoever read it cannot find us without a handler.
    asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&](std::error_code, int) { io.stop(); });
    asio::steady_timer lifetime{io, std::chrono::seconds(120)};
    lifetime.async_wait([&](std::error_code) { io.stop(); });

    tcp::acceptor acceptor{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    std::printf("port %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    std::fflush(stdout);

    asio::co_spawn(io, listen(acceptor), [](std::exception_ptr e) {
        if (e) std::fprintf(stderr, "w4_server: the accept loop ended with an exception\n");
    });
    io.run();
    std::fprintf(stderr, "w4_server: stopped\n");
    return 0;
}
