// http_server.cpp: a small HTTP/1.1 server on the course's streams, one task per
// connection (start_server). GET and HEAD of static bytes, keep-alive, 400 for a malformed
// request, 431 for headers over the reader's limit, 408 when a request does not arrive in
// time (wait_for, chapter 09), a body read with readexactly and thrown away. Loopback only.
//
//   ch11_http_server [--port N] [--timeout SECONDS] [--stdin]
//
// Prints "listening on port N" (0, the default, lets the kernel pick), then serves until
// it is interrupted, or with --stdin until its standard input ends (tests stop it so);
// then it closes the server and its connections and says how much it served. Chapter 11.
#include <asyncio/exceptions.hpp>
#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/streams.hpp>
#include <asyncio/wait_for.hpp>

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
    std::uint16_t port = 0;
    std::chrono::duration<double> timeout{10.0};  // for the next request's head, or its body
    bool until_stdin_closes = false;
};

struct Stats {
    std::size_t requests = 0;
    std::size_t connections = 0;
};

// The server's static content: a greeting, and a megabyte to see drain() at work.
std::optional<std::string> content(std::string_view path) {
    if (path == "/") return std::string("Hello from the course's own asyncio!\n");
    if (path == "/big") {
        std::string bytes(1024 * 1024, '\0');
        for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + i % 26);
        return bytes;
    }
    return std::nullopt;
}

// region: request
struct Request {
    std::string method, target, version;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case

    std::optional<std::string> header(std::string_view name) const {
        for (auto const& [key, value] : headers)
            if (key == name) return value;
        return std::nullopt;
    }
};

bool is_token(std::string_view text) {  // RFC 9110's token: a method or a header name
    return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isalnum(c) ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    });
}

std::string trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return std::string(text);
}

// The head, "\r\n\r\n" included: "METHOD SP target SP HTTP/1.x" and "Name: value" lines.
// nullopt if it is malformed.
std::optional<Request> parse_head(std::string_view head) {
    head.remove_suffix(4);
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= head.size();) {
        std::size_t end = head.find("\r\n", start);
        if (end == std::string_view::npos) end = head.size();
        lines.push_back(head.substr(start, end - start));
        start = end + 2;
    }
    Request request;
    std::string_view const line = lines[0];
    std::size_t const first = line.find(' '), second = line.find(' ', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos ||
        line.find(' ', second + 1) != std::string_view::npos)
        return std::nullopt;
    request.method = line.substr(0, first);
    request.target = line.substr(first + 1, second - first - 1);
    request.version = line.substr(second + 1);
    if (!is_token(request.method) || request.target.empty() || request.target[0] != '/' ||
        (request.version != "HTTP/1.1" && request.version != "HTTP/1.0"))
        return std::nullopt;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::size_t const colon = lines[i].find(':');
        if (colon == std::string_view::npos || !is_token(lines[i].substr(0, colon))) return std::nullopt;
        std::string name(lines[i].substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        request.headers.emplace_back(std::move(name), trim(lines[i].substr(colon + 1)));
    }
    return request;
}
// endregion

asyncio::Coro<void> respond(asyncio::StreamWriter& writer, int status, std::string_view reason, std::string_view body,
                            bool keep_alive, bool head_only = false) {
    writer.write(fmt::format("HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}\r\n", status,
                             reason, body.size(), keep_alive ? "" : "Connection: close\r\n"));
    if (!head_only) writer.write(body);
    co_await writer.drain();  // a client that does not read holds this connection here, not our memory
}

// region: handle-connection
// One connection: requests one after the other (keep-alive) until the client closes, asks
// to close, sends something we refuse, or keeps us waiting longer than the timeout.
asyncio::Coro<void> handle_connection(asyncio::StreamReader reader, asyncio::StreamWriter writer,
                                      Options const& options, Stats& stats) {
    ++stats.connections;
    while (true) {
        // The head, within the reader's limit (the server's header limit) and the timeout.
        std::string head;
        int refuse = 0;  // a status to answer with, then close
        try {
            head = co_await asyncio::wait_for(reader.readuntil("\r\n\r\n"), options.timeout);
        } catch (asyncio::TimeoutError const&) {
            if (reader.buffered() == 0) co_return;  // an idle keep-alive connection: just close
            refuse = 408;
        } catch (asyncio::LimitOverrunError const&) {
            refuse = 431;
        } catch (asyncio::IncompleteReadError const&) {
            co_return;  // the client closed (between requests, or half-way through one)
        }
        if (refuse == 408) co_return co_await respond(writer, 408, "Request Timeout", "request timeout\n", false);
        if (refuse == 431)
            co_return co_await respond(writer, 431, "Request Header Fields Too Large", "headers too large\n", false);

        std::optional<Request> const request = parse_head(head);
        if (!request) co_return co_await respond(writer, 400, "Bad Request", "bad request\n", false);
        ++stats.requests;
        std::string const connection = request->header("connection").value_or("");
        bool const keep_alive = request->version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";

        // A body (we serve no uploads) is read and thrown away, so the next request starts clean.
        if (request->header("transfer-encoding"))
            co_return co_await respond(writer, 501, "Not Implemented", "chunked bodies are not supported\n", false);
        if (auto const length = request->header("content-length")) {
            std::size_t size = 0;
            auto const [end, error] = std::from_chars(length->data(), length->data() + length->size(), size);
            if (error != std::errc() || end != length->data() + length->size())
                co_return co_await respond(writer, 400, "Bad Request", "bad Content-Length\n", false);
            if (size > 1024 * 1024)
                co_return co_await respond(writer, 413, "Content Too Large", "body too large\n", false);
            (void)co_await asyncio::wait_for(reader.readexactly(size), options.timeout);
        }

        if (request->method != "GET" && request->method != "HEAD") {
            co_await respond(writer, 405, "Method Not Allowed", "only GET and HEAD\n", keep_alive);
        } else if (std::optional<std::string> const body = content(request->target)) {
            co_await respond(writer, 200, "OK", *body, keep_alive, request->method == "HEAD");
        } else {
            co_await respond(writer, 404, "Not Found", "not found\n", keep_alive);
        }
        if (!keep_alive) co_return;  // start_server's task closes the writer
    }
}
// endregion

asyncio::Coro<int> amain(Options options) {
    Stats stats;
    asyncio::Server server = co_await asyncio::start_server(
        [&options, &stats](asyncio::StreamReader reader, asyncio::StreamWriter writer) {
            return handle_connection(std::move(reader), std::move(writer), options, stats);
        },
        options.port, 8 * 1024);  // the reader's limit is the header limit: 8 KiB, as nginx's buffers
    fmt::print("listening on port {}\n", server.port());
    std::fflush(stdout);
    if (options.until_stdin_closes) {
        // Standard input as one more stream: its end is the signal to stop.
        auto [input, unused] = asyncio::open_streams(asyncio::FileDescriptor(::dup(STDIN_FILENO)));
        (void)co_await input.read();
    } else {
        co_await server.serve_forever();
    }
    server.close();
    server.close_clients();
    co_await server.wait_closed();
    fmt::print("served {} requests on {} connections\n", stats.requests, stats.connections);
    co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        std::string_view const arg = argv[i];
        if (arg == "--port" && i + 1 < argc) {
            options.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
        } else if (arg == "--timeout" && i + 1 < argc) {
            options.timeout = std::chrono::duration<double>(std::atof(argv[++i]));
        } else if (arg == "--stdin") {
            options.until_stdin_closes = true;
        } else {
            fmt::print(stderr, "usage: ch11_http_server [--port N] [--timeout SECONDS] [--stdin]\n");
            return 2;
        }
    }
    return asyncio::run(amain(options));
}
