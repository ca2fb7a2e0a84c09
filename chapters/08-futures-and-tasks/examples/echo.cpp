// echo.cpp: an echo server (a task per client) and its clients, all in one process on one
// thread, under asyncio::run. Every client sends a few messages and checks each reply; the
// summary at the end is the same on every run. Usage: ch08_echo [clients] [messages].
// Chapter 08.
#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/sock.hpp>
#include <asyncio/socket.hpp>
#include <asyncio/task.hpp>

#include <fmt/core.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

// region: server
// One client's connection: send back whatever arrives until the client closes its end.
asyncio::Coro<void> handle_client(asyncio::FileDescriptor connection) {
    while (true) {
        std::string const data = co_await asyncio::sock_recv(connection.get(), 4096);
        if (data.empty()) co_return;  // the client closed: `connection` closes our end
        co_await asyncio::sock_sendall(connection.get(), data);
    }
}

// Accepts `clients` connections, each handled by a task of its own, so that one slow
// client never holds up the others; then waits until all are done.
asyncio::Coro<void> serve(int listener, int clients) {
    std::vector<asyncio::Task<void>> handlers;
    for (int i = 0; i < clients; ++i) {
        asyncio::FileDescriptor connection = co_await asyncio::sock_accept(listener);
        handlers.push_back(asyncio::create_task(handle_client(std::move(connection))));
    }
    for (asyncio::Task<void>& handler : handlers) co_await handler;
}
// endregion

// region: client
// Sends `messages` messages one at a time and reads each echo back. TCP is a stream, not
// a sequence of messages: one recv may return part of a reply, so read until it is whole.
// Returns how many replies were intact.
asyncio::Coro<int> client(std::uint16_t port, int id, int messages) {
    asyncio::FileDescriptor socket = co_await asyncio::sock_connect(port);
    int intact = 0;
    for (int i = 0; i < messages; ++i) {
        std::string const message = fmt::format("client {} message {}\n", id, i);
        co_await asyncio::sock_sendall(socket.get(), message);
        std::string reply;
        while (reply.size() < message.size()) {
            std::string const part = co_await asyncio::sock_recv(socket.get(), message.size() - reply.size());
            if (part.empty()) break;  // the server went away
            reply += part;
        }
        intact += reply == message;
    }
    co_return intact;  // `socket` closes here: the server's recv reads 0 and it ends
}
// endregion

// region: main
asyncio::Coro<int> amain(int clients, int messages) {
    asyncio::FileDescriptor listener = asyncio::listen_on_loopback(0);  // any free port
    std::uint16_t const port = asyncio::local_port(listener.get());
    asyncio::Task<void> server = asyncio::create_task(serve(listener.get(), clients));
    std::vector<asyncio::Task<int>> tasks;
    for (int id = 0; id < clients; ++id) tasks.push_back(asyncio::create_task(client(port, id, messages)));
    int intact = 0;
    for (asyncio::Task<int>& task : tasks) intact += co_await task;
    co_await server;
    co_return intact;
}

int main(int argc, char** argv) {
    int const clients = argc > 1 ? std::atoi(argv[1]) : 3;
    int const messages = argc > 2 ? std::atoi(argv[2]) : 5;
    int const intact = asyncio::run(amain(clients, messages));
    if (intact == clients * messages) {
        fmt::print("{} clients echoed {} x {} messages intact\n", clients, clients, messages);
        return 0;
    }
    fmt::print("only {} of {} x {} messages came back intact\n", intact, clients, messages);
    return 1;
}
// endregion
