// echo_bench.cpp: what a coroutine costs a server. Two echo servers share one loop: one
// with a task per connection (sock_recv, sock_sendall), one written with callbacks on
// add_reader/add_writer as chapter 05 would. 64 clients (coroutines, the same in both
// runs) each send 64-byte messages and wait for the echo, for ~2 s per server; we print
// round trips per second and the process's CPU time per round trip (getrusage).
// Usage: ch08_echo_bench [seconds] [connections]. Chapter 08.
// course-bench:
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sock.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/task.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr std::size_t message_size = 64;

// region: coroutine-server
asyncio::Coro<void> echo_connection(asyncio::FileDescriptor connection) {
    std::vector<char> buffer(4096);
    while (std::size_t const got = co_await asyncio::sock_recv(connection.get(), std::span<char>(buffer)))
        co_await asyncio::sock_sendall(connection.get(), std::string_view(buffer.data(), got));
}

asyncio::Coro<void> coroutine_server(int listener) {
    while (true) {  // until asyncio::run cancels it at the end
        asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener);
        (void)asyncio::create_task(echo_connection(std::move(connection)));  // the loop keeps the task
    }
}
// endregion

// region: callback-server
// The same server as callbacks: a reader per connection echoes what arrived; what does
// not fit into the socket waits in `unsent` for a writer.
class CallbackServer {
public:
    CallbackServer(asyncio::EventLoop& loop, int listener) : loop_(loop), listener_(listener) {
        loop_.add_reader(listener_, [this] { accept_all(); });
    }
    ~CallbackServer() {
        loop_.remove_reader(listener_);
        for (auto& [fd, connection] : connections_) {
            loop_.remove_reader(fd);
            loop_.remove_writer(fd);
        }
    }
    CallbackServer(CallbackServer const&) = delete;
    CallbackServer& operator=(CallbackServer const&) = delete;

private:
    struct Connection {
        asyncio::FileDescriptor socket;
        std::string unsent;
    };

    void accept_all() {
        while (std::optional<asyncio::FileDescriptor> socket = asyncio::accept_connection(listener_)) {
            int const fd = socket->get();
            connections_[fd].socket = std::move(*socket);
            loop_.add_reader(fd, [this, fd] { on_readable(fd); });
        }
    }

    void on_readable(int fd) {
        char buffer[4096];
        std::optional<std::size_t> const got = asyncio::read_some(fd, buffer);
        if (!got) return;
        if (*got == 0) {  // the client closed: forget the connection, which closes the fd
            loop_.remove_reader(fd);
            loop_.remove_writer(fd);
            connections_.erase(fd);
            return;
        }
        Connection& connection = connections_.at(fd);
        std::string_view data(buffer, *got);
        if (connection.unsent.empty()) {
            data.remove_prefix(asyncio::write_some(fd, data).value_or(0));
            if (data.empty()) return;
            loop_.add_writer(fd, [this, fd] { on_writable(fd); });
        }
        connection.unsent += data;
    }

    void on_writable(int fd) {
        Connection& connection = connections_.at(fd);
        connection.unsent.erase(0, asyncio::write_some(fd, connection.unsent).value_or(0));
        if (connection.unsent.empty()) loop_.remove_writer(fd);
    }

    asyncio::EventLoop& loop_;
    int listener_;
    std::map<int, Connection> connections_;
};
// endregion

// One client: round trips of one 64-byte message until `deadline`; how many it made.
asyncio::Coro<long> client(std::uint16_t port, asyncio::TimePoint deadline) {
    asyncio::FileDescriptor socket = co_await asyncio::sock_connect(port);
    std::string const message(message_size, 'm');
    char reply[message_size];
    long round_trips = 0;
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    while (loop.time() < deadline) {
        co_await asyncio::sock_sendall(socket.get(), message);
        for (std::size_t got = 0; got < message_size;) {
            std::size_t const part =
                co_await asyncio::sock_recv(socket.get(), std::span<char>(reply + got, message_size - got));
            if (part == 0) throw asyncio::RuntimeError("the server closed the connection");
            got += part;
        }
        ++round_trips;
    }
    co_return round_trips;
}

double cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// region: measure
asyncio::Coro<void> measure(char const* name, std::uint16_t port, int connections, asyncio::Clock::duration length) {
    asyncio::EventLoop& loop = asyncio::get_running_loop();
    double const cpu_start = cpu_seconds();
    asyncio::TimePoint const start = loop.time();
    std::vector<asyncio::Task<long>> clients;
    for (int i = 0; i < connections; ++i) clients.push_back(asyncio::create_task(client(port, start + length)));
    long round_trips = 0;
    for (asyncio::Task<long>& task : clients) round_trips += co_await task;
    double const seconds = std::chrono::duration<double>(loop.time() - start).count();
    double const cpu = cpu_seconds() - cpu_start;
    fmt::print("{:<17} {} connections: {:>9.0f} round trips/s, {:5.1f} us CPU per round trip\n", name, connections,
               static_cast<double>(round_trips) / seconds, cpu * 1e6 / static_cast<double>(round_trips));
}
// endregion

asyncio::Coro<void> amain(asyncio::Clock::duration length, int connections) {
    asyncio::FileDescriptor coroutine_listener = asyncio::listen_on_loopback(0);
    asyncio::FileDescriptor callback_listener = asyncio::listen_on_loopback(0);
    (void)asyncio::create_task(coroutine_server(coroutine_listener.get()));  // run cancels it at the end
    CallbackServer callback_server(asyncio::get_running_loop(), callback_listener.get());
    co_await measure("coroutine server", asyncio::local_port(coroutine_listener.get()), connections, length);
    co_await measure("callback server", asyncio::local_port(callback_listener.get()), connections, length);
}

}  // namespace

int main(int argc, char** argv) {
    double const seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    int const connections = argc > 2 ? std::atoi(argv[2]) : 64;
    auto const length =
        std::chrono::duration_cast<asyncio::Clock::duration>(asyncio::scaled(std::chrono::duration<double>(seconds)));
    fmt::print("echo round trips of {}-byte messages, {:.2f} s per server, one thread\n", message_size,
               std::chrono::duration<double>(length).count());
    asyncio::run(amain(length, connections));
}
