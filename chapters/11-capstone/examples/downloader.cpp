// downloader.cpp: fetch N URLs from an HTTP server on this machine, at most K at a
// time, with a progress bar; the results come back in the order the URLs were given.
// Streams for the HTTP, a Semaphore for the limit, gather for the waiting: a program an
// asyncio user writes in the first week, on the runtime this course builds. Chapter 11.
//
//   ./course run 11 downloader --max-in-flight 4 [--save DIR] http://127.0.0.1:8000/a.txt ...
//
// --save DIR writes each body to DIR/<last part of its path> (the test compares them).
// Loopback only: a URL is http://127.0.0.1:PORT/PATH (or localhost).
#include <asyncio/coro.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/locks.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/streams.hpp>
#include <asyncio/wait_for.hpp>

#include <fmt/core.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Url {
    std::string text;
    std::uint16_t port = 80;
    std::string path = "/";
};

Url parse_url(std::string const& text) {
    std::string_view rest = text;
    for (std::string_view const prefix : {"http://127.0.0.1", "http://localhost"})
        if (rest.substr(0, prefix.size()) == prefix) rest.remove_prefix(prefix.size());
    if (rest.size() == text.size())
        throw std::invalid_argument("not a loopback http:// URL: '" + text + "' (use http://127.0.0.1:PORT/PATH)");
    Url url{text, 80, "/"};
    if (!rest.empty() && rest.front() == ':') {
        std::size_t const slash = rest.find('/');
        std::string const port(rest.substr(1, slash == std::string_view::npos ? rest.npos : slash - 1));
        url.port = static_cast<std::uint16_t>(std::stoul(port));
        rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash);
    }
    if (!rest.empty()) url.path = std::string(rest);
    return url;
}

struct Response {
    int status = 0;
    std::string body;
};

// region: fetch
// One GET over a connection of its own: the request, the status line, the headers,
// then the body (Content-Length bytes, or up to EOF when the server gives no length).
asyncio::Coro<Response> fetch(Url const& url) {
    auto [reader, writer] = co_await asyncio::open_connection(url.port);
    writer.write(fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", url.path, url.port));
    co_await writer.drain();

    std::string const status_line = co_await reader.readline();  // "HTTP/1.1 200 OK\r\n"
    Response response;
    if (std::sscanf(status_line.c_str(), "HTTP/%*d.%*d %d", &response.status) != 1)
        throw std::runtime_error("not an HTTP response: '" + status_line + "'");
    long content_length = -1;
    while (true) {
        std::string const header = co_await reader.readline();
        if (header == "\r\n" || header == "\n" || header.empty()) break;
        long length = 0;
        if (std::sscanf(header.c_str(), "%*[Cc]ontent-%*[Ll]ength: %ld", &length) == 1) content_length = length;
    }
    if (content_length >= 0)
        response.body = co_await reader.readexactly(static_cast<std::size_t>(content_length));
    else
        response.body = co_await reader.read();  // to EOF
    writer.close();
    co_await writer.wait_closed();
    co_return response;
}
// endregion

// The progress bar, on stderr when it is a terminal (redrawn in place); a test or a pipe
// gets the final table on stdout only.
struct Progress {
    std::size_t total = 0;
    std::size_t done = 0;
    std::size_t bytes = 0;
    int in_flight = 0;
    int max_in_flight = 0;
    bool draw = isatty(STDERR_FILENO) != 0;

    void redraw() const {
        if (!draw) return;
        std::size_t const width = 30;
        std::size_t const filled = total == 0 ? width : width * done / total;
        fmt::print(stderr, "\r[{}{}] {}/{} done, {} in flight, {} bytes ", std::string(filled, '#'),
                   std::string(width - filled, '.'), done, total, in_flight, bytes);
        if (done == total) fmt::print(stderr, "\n");
        std::fflush(stderr);
    }
};

// region: limited
// At most K fetches at once: each waits for the semaphore before it connects. The
// guard gives the slot back however the fetch ends (a value, an error, cancelled).
asyncio::Coro<Response> fetch_limited(asyncio::Semaphore& slots, Url url, Progress& progress) {
    co_await slots.acquire();
    struct Release {
        asyncio::Semaphore& slots;
        Progress& progress;
        ~Release() {
            --progress.in_flight;
            slots.release();
        }
    } const release{slots, progress};
    progress.max_in_flight = std::max(progress.max_in_flight, ++progress.in_flight);
    progress.redraw();
    Response response = co_await asyncio::wait_for(fetch(url), 30s);
    ++progress.done;
    progress.bytes += response.body.size();
    progress.redraw();
    co_return response;
}

asyncio::Coro<std::vector<Response>> download(std::vector<Url> const& urls, int max_in_flight, Progress& progress) {
    asyncio::Semaphore slots(max_in_flight);
    std::vector<asyncio::Coro<Response>> fetches;
    for (Url const& url : urls) fetches.push_back(fetch_limited(slots, url, progress));
    co_return co_await asyncio::gather(std::move(fetches));  // all start now; K get a slot
}
// endregion

}  // namespace

int main(int argc, char** argv) try {
    int max_in_flight = 4;
    std::string save_dir;
    std::vector<Url> urls;
    for (int i = 1; i < argc; ++i) {
        std::string const arg = argv[i];
        if (arg == "--max-in-flight" && i + 1 < argc) {
            max_in_flight = std::stoi(argv[++i]);
            if (max_in_flight < 1) throw std::invalid_argument("--max-in-flight must be at least 1");
        } else if (arg == "--save" && i + 1 < argc) {
            save_dir = argv[++i];
        } else {
            urls.push_back(parse_url(arg));
        }
    }
    if (urls.empty()) {
        fmt::print(stderr, "usage: ch11_downloader [--max-in-flight K] [--save DIR] http://127.0.0.1:PORT/PATH...\n");
        return 2;
    }
    Progress progress;
    progress.total = urls.size();
    auto const start = std::chrono::steady_clock::now();
    std::vector<Response> const responses = asyncio::run(download(urls, max_in_flight, progress));
    double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (std::size_t i = 0; i < urls.size() && !save_dir.empty(); ++i) {
        std::string const name = urls[i].path.substr(urls[i].path.rfind('/') + 1);
        std::ofstream(save_dir + "/" + (name.empty() ? "index.html" : name), std::ios::binary) << responses[i].body;
    }
    for (std::size_t i = 0; i < urls.size(); ++i)
        fmt::print("{} {:>8} bytes  {}\n", responses[i].status, responses[i].body.size(), urls[i].text);
    fmt::print("{} URLs, {} bytes in {:.3f} s; at most {} in flight (limit {})\n", urls.size(), progress.bytes,
               seconds, progress.max_in_flight, max_in_flight);
} catch (std::exception const& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
