// W4's server on libuv (bench/WORKLOADS.md): a loopback echo server. Every connection
// reads with uv_read_start into its own buffer and echoes at once with uv_try_write; what
// the socket does not take then (a full send buffer, or an earlier write still queued) is
// copied and queued with uv_write. TCP_NODELAY on every connection.
// Binds 127.0.0.1:0 and prints "port N" as its first stdout line; echoes until SIGTERM
// or SIGINT, or for at most 120 s, then exits 0. The client (bench/w4_client) measures.
//
//   w4_server [--quick]     prints: port N
#include <bench.hpp>

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

struct Connection {
    uv_tcp_t tcp;  // first: a uv_handle_t* of it is a Connection*
    char buffer[4096];
};

long queued_writes = 0;  // echoes uv_try_write did not finish (a note on stderr at the end)

// A queued write owns a copy of the bytes it sends.
struct PendingWrite {
    uv_write_t request;
    char* bytes;
};

void on_closed(uv_handle_t* handle) {
    delete reinterpret_cast<Connection*>(handle);
}

void close_connection(uv_stream_t* stream) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(stream)))
        uv_close(reinterpret_cast<uv_handle_t*>(stream), on_closed);
}

void on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
    auto* c = reinterpret_cast<Connection*>(handle);
    *buf = uv_buf_init(c->buffer, sizeof c->buffer);
}

void on_written(uv_write_t* request, int status) {
    auto* w = reinterpret_cast<PendingWrite*>(request);
    if (status < 0) close_connection(request->handle);
    std::free(w->bytes);
    delete w;
}

void on_read(uv_stream_t* stream, ssize_t nread, uv_buf_t const* buf) {
    if (nread < 0) {  // UV_EOF or an error: the client is gone
        close_connection(stream);
        return;
    }
    if (nread == 0) return;  // EAGAIN: nothing this time
    uv_buf_t out = uv_buf_init(buf->base, static_cast<unsigned>(nread));
    int const sent = uv_try_write(stream, &out, 1);
    if (sent == nread) return;
    if (sent < 0 && sent != UV_EAGAIN) {
        close_connection(stream);
        return;
    }
    std::size_t const done = sent > 0 ? static_cast<std::size_t>(sent) : 0;
    std::size_t const rest = static_cast<std::size_t>(nread) - done;
    ++queued_writes;
    auto* w = new PendingWrite{};
    w->bytes = static_cast<char*>(std::malloc(rest));
    std::memcpy(w->bytes, buf->base + done, rest);
    uv_buf_t queued = uv_buf_init(w->bytes, static_cast<unsigned>(rest));
    if (uv_write(&w->request, stream, &queued, 1, on_written) != 0) {
        std::free(w->bytes);
        delete w;
        close_connection(stream);
    }
}

void on_connection(uv_stream_t* server, int status) {
    if (status < 0) {
        std::fprintf(stderr, "w4_server: listen: %s\n", uv_strerror(status));
        return;
    }
    auto* c = new Connection;
    uv_tcp_init(server->loop, &c->tcp);
    c->tcp.data = nullptr;  // tells close_any it is a Connection
    auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
    if (uv_accept(server, stream) != 0) {
        close_connection(stream);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start(stream, on_alloc, on_read);
}

void on_signal(uv_signal_t* signal, int /*signum*/) {
    uv_stop(signal->loop);
}

void on_lifetime_over(uv_timer_t* timer) {
    uv_stop(timer->loop);
}

void close_any(uv_handle_t* handle, void* /*arg*/) {
    if (uv_is_closing(handle)) return;
    if (handle->type == UV_TCP && handle->data == nullptr) {
        uv_close(handle, on_closed);  // a connection (the listener has data set)
    } else {
        uv_close(handle, nullptr);
    }
}

}  // namespace

int main(int /*argc*/, char** /*argv*/) {
    uv_loop_t* loop = uv_default_loop();

    // Before the port is printed, so a signal from whoever read it cannot find us without a handler.
    uv_signal_t sigterm, sigint;
    uv_signal_init(loop, &sigterm);
    uv_signal_init(loop, &sigint);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_timer_t lifetime;
    uv_timer_init(loop, &lifetime);
    uv_timer_start(&lifetime, on_lifetime_over, 120'000, 0);

    uv_tcp_t listener;
    uv_tcp_init(loop, &listener);
    listener.data = &listener;  // tells close_any it is not a Connection
    sockaddr_in address{};
    uv_ip4_addr("127.0.0.1", 0, &address);
    int rc = uv_tcp_bind(&listener, reinterpret_cast<sockaddr const*>(&address), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 128, on_connection);
    if (rc != 0) {
        std::fprintf(stderr, "w4_server: bind/listen: %s\n", uv_strerror(rc));
        return 1;
    }
    sockaddr_in bound{};
    int length = sizeof bound;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&bound), &length);
    std::printf("port %u\n", static_cast<unsigned>(ntohs(bound.sin_port)));
    std::fflush(stdout);

    uv_run(loop, UV_RUN_DEFAULT);

    uv_walk(loop, close_any, nullptr);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    std::fprintf(stderr, "w4_server: stopped (%ld echoes were queued with uv_write)\n", queued_writes);
    return 0;
}
