// Chapter 06: the loop on epoll serves 1,000 concurrent loopback connections
// (epoll-selector). Bounded (a watchdog stops it) and loopback only.
#include <testing/catch.hpp>

#include <testing/loop_watchdog.hpp>

#include <asyncio/epoll_selector.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/socket.hpp>

#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Raises the soft open-file limit to `wanted` if the hard limit allows; returns whether
// the soft limit is now at least that. Learners' soft limit is often 1024.
bool raise_open_file_limit(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= wanted) return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) return false;
    limit.rlim_cur = wanted;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// One client: connects, sends its greeting, reads the echo, hangs up.
struct Client {
    asyncio::FileDescriptor socket;
    std::string greeting;
    std::string received;
};

// The server's side of one connection: echoes, and closes when the client hangs up.
struct ServerSide {
    asyncio::FileDescriptor socket;
};

}  // namespace

TEST_CASE("the loop on epoll serves 1000 concurrent loopback connections", "[ch06][epoll-selector]") {
    constexpr int count = 1000;
    // Each connection takes two fds in this process (client and server side), plus a few.
    if (!raise_open_file_limit(2 * count + 64))
        COURSE_SKIP("the open-file limit cannot be raised to " << 2 * count + 64
                                                                << " (see ulimit -Hn); 1,000 connections need it");

    asyncio::EventLoop loop(std::make_unique<asyncio::selectors::EpollSelector>());
    auto listener = asyncio::listen_on_loopback(0, count);
    std::uint16_t const port = asyncio::local_port(listener.get());

    std::vector<std::unique_ptr<ServerSide>> servers;
    std::size_t server_open = 0;
    std::size_t server_peak = 0;
    int echo_errors = 0;
    loop.add_reader(listener.get(), [&] {
        while (auto socket = asyncio::accept_connection(listener.get())) {
            auto side = std::make_unique<ServerSide>(ServerSide{std::move(*socket)});
            int const fd = side->socket.get();
            ServerSide* raw = side.get();
            servers.push_back(std::move(side));
            server_peak = std::max(server_peak, ++server_open);
            loop.add_reader(fd, [&, raw, fd] {
                char buffer[256];
                auto const got = asyncio::read_some(fd, buffer);
                if (!got) return;
                if (*got == 0) {  // the client hung up: we do too
                    loop.remove_reader(fd);
                    raw->socket.reset();
                    --server_open;
                    return;
                }
                // A few bytes always fit in an empty socket buffer; anything else is a bug here.
                if (asyncio::write_some(fd, std::string_view(buffer, *got)) != *got) ++echo_errors;
            });
        }
    });

    std::vector<std::unique_ptr<Client>> clients;
    int done = 0;
    int connect_errors = 0;
    for (int i = 0; i < count; ++i) {
        auto client = std::make_unique<Client>();
        client->socket = asyncio::connect_to_loopback(port);  // all 1,000 in progress at once
        client->greeting = "hello from client " + std::to_string(i) + "\n";
        Client* c = client.get();
        int const fd = c->socket.get();
        loop.add_writer(fd, [&, c, fd] {  // writable: the connection is set up (or failed)
            loop.remove_writer(fd);
            if (asyncio::pending_error(fd) != 0 || asyncio::write_some(fd, c->greeting) != c->greeting.size()) {
                ++connect_errors;
                return;
            }
            loop.add_reader(fd, [&, c, fd] {
                char buffer[256];
                auto const got = asyncio::read_some(fd, buffer);
                if (!got) return;
                c->received.append(buffer, *got);
                if (*got == 0 || c->received.size() >= c->greeting.size()) {
                    loop.remove_reader(fd);
                    c->socket.reset();
                    if (++done == count) loop.stop();
                }
            });
        });
        clients.push_back(std::move(client));
    }

    testing::LoopWatchdog watchdog(loop, 60s);
    loop.run_forever();

    CHECK_FALSE(watchdog.fired());
    CHECK(connect_errors == 0);
    CHECK(echo_errors == 0);
    CHECK(done == count);
    int intact = 0;
    for (auto const& c : clients) intact += c->received == c->greeting;
    CHECK(intact == count);
    INFO("at most " << server_peak << " server-side connections were open at once");
    CHECK(server_peak > 1);
    loop.remove_reader(listener.get());
    for (auto const& s : servers)
        if (s->socket) loop.remove_reader(s->socket.get());
}
