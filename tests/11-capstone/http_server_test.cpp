// Chapter 11: the HTTP/1.1 lesson program (examples/http_server.cpp) against software
// nobody here wrote: curl fetches from it (a GET, keep-alive, oversized headers), and a raw
// socket sends what curl will not (a malformed request line, a request that never ends).
// The server runs as a child process with its stdin a pipe: closing the pipe stops it
// cleanly, so its exit code (and, in the asan build, its leak check) is part of each test.
#include <testing/catch.hpp>

#include <testing/background.hpp>
#include <testing/process.hpp>

#include <asyncio/file_descriptor.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/streams.hpp>
#include <asyncio/wait_for.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// A lesson program's server as a child, its port read from its first line ("PREFIX PORT"):
// by default ch11_http_server, started with --stdin.
class ServerProcess {
public:
    explicit ServerProcess(std::vector<std::string> args = {}, std::string const& program = "ch11_http_server",
                           std::string const& prefix = "listening on port ") {
        int in[2], out[2];
        REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
        err_path_ = "/tmp/ch11_http_server_test." + std::to_string(::getpid()) + ".err";
        std::vector<std::string> argv_strings{testing::bin_dir() + "/" + program};
        if (program == "ch11_http_server") argv_strings.push_back("--stdin");
        argv_strings.insert(argv_strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& s : argv_strings) argv.push_back(s.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        int const rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(in[0]);
        ::close(out[1]);
        stdin_.reset(in[1]);
        stdout_.reset(out[0]);
        REQUIRE(rc == 0);
        std::string const first = read_line(10s);
        INFO("first line: " << first << "\nstderr: " << err());
        REQUIRE(first.rfind(prefix, 0) == 0);
        REQUIRE(first.size() > prefix.size());
        port_ = static_cast<std::uint16_t>(std::stoi(first.substr(prefix.size())));
    }
    ~ServerProcess() {
        if (pid_ > 0) stop();
        ::unlink(err_path_.c_str());
    }

    std::uint16_t port() const { return port_; }
    std::string url(std::string const& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::string err() const {
        std::ifstream file(err_path_);
        return std::string(std::istreambuf_iterator<char>(file), {});
    }

    // Closes its stdin and waits (10 s at most) for it to exit; the rest of its stdout.
    struct Exit {
        int code = -1;
        std::string out;
    };
    Exit stop() {
        stdin_.reset();
        Exit result;
        result.out = read_all(10s);
        for (int i = 0; i < 1000; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
                pid_ = 0;
                return result;
            }
            std::this_thread::sleep_for(10ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = 0;
        return result;
    }

private:
    std::string read_line(std::chrono::milliseconds timeout) {
        std::string line;
        char c = 0;
        while (wait_readable(timeout) && ::read(stdout_.get(), &c, 1) == 1 && c != '\n') line += c;
        return line;
    }
    std::string read_all(std::chrono::milliseconds timeout) {
        std::string text;
        char buffer[4096];
        while (wait_readable(timeout)) {
            ssize_t const got = ::read(stdout_.get(), buffer, sizeof buffer);
            if (got <= 0) break;
            text.append(buffer, static_cast<std::size_t>(got));
        }
        return text;
    }
    bool wait_readable(std::chrono::milliseconds timeout) {
        pollfd fd{stdout_.get(), POLLIN, 0};
        return ::poll(&fd, 1, static_cast<int>(timeout.count())) == 1;
    }

    pid_t pid_ = 0;
    std::uint16_t port_ = 0;
    asyncio::FileDescriptor stdin_, stdout_;
    std::string err_path_;
};

// Sends `request` on a blocking connection and reads until the server closes it (10 s at most).
std::string exchange(std::uint16_t port, std::string const& request) {
    asyncio::FileDescriptor socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(socket.get(), reinterpret_cast<sockaddr const*>(&address), sizeof address) == 0);
    timeval const ten_seconds{10, 0};
    ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &ten_seconds, sizeof ten_seconds);
    REQUIRE(::send(socket.get(), request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
    std::string reply;
    char buffer[4096];
    while (true) {
        ssize_t const got = ::recv(socket.get(), buffer, sizeof buffer, 0);
        if (got <= 0) break;
        reply.append(buffer, static_cast<std::size_t>(got));
    }
    return reply;
}

std::string const hello = "Hello from the course's own asyncio!\n";

#define REQUIRE_CURL(curl)                         \
    std::string const curl = testing::find_on_path("curl"); \
    if (curl.empty()) COURSE_SKIP("curl is not installed (./course setup installs it)")

}  // namespace

TEST_CASE("curl gets the http server's page and reuses the connection for a second URL", "[ch11][stream-readuntil]") {
    REQUIRE_CURL(curl);
    ServerProcess server;
    // %{num_connects}: the connections this transfer opened; 0 for the second means it
    // reused the first's (keep-alive).
    auto const result =
        testing::run_program(curl, {"-s", "-w", "%{http_code} %{num_connects}\n", server.url(), server.url()});
    INFO("curl stderr: " << result.err << "\nserver stderr: " << server.err());
    CHECK(result.exit_code == 0);
    CHECK(result.out == hello + "200 1\n" + hello + "200 0\n");
    auto const exit = server.stop();
    CHECK(exit.code == 0);
    CHECK(exit.out == "served 2 requests on 1 connections\n");
    CHECK(server.err().empty());
}

TEST_CASE("curl downloads a megabyte from the http server intact", "[ch11][stream-drain]") {
    REQUIRE_CURL(curl);
    ServerProcess server;
    auto const result = testing::run_program(curl, {"-s", server.url("/big")});
    INFO("curl stderr: " << result.err << "\nserver stderr: " << server.err());
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.out.size() == 1024 * 1024);
    bool intact = true;
    for (std::size_t i = 0; i < result.out.size(); ++i)
        intact = intact && result.out[i] == static_cast<char>('a' + i % 26);
    CHECK(intact);
    CHECK(server.stop().code == 0);
}

TEST_CASE("the http server answers 431 to headers over its limit and 404 to an unknown path",
          "[ch11][stream-readuntil]") {
    REQUIRE_CURL(curl);
    ServerProcess server;
    auto const big = testing::run_program(
        curl, {"-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + std::string(10000, 'x'), server.url()});
    auto const missing =
        testing::run_program(curl, {"-s", "-o", "/dev/null", "-w", "%{http_code}", server.url("/nope")});
    INFO("server stderr: " << server.err());
    CHECK(big.out == "431");
    CHECK(missing.out == "404");
    CHECK(server.stop().code == 0);
}

TEST_CASE("the http server answers 400 to a malformed request line and closes", "[ch11][stream-readuntil]") {
    ServerProcess server;
    std::string const reply = exchange(server.port(), "GARBAGE\r\n\r\n");
    std::string const no_version = exchange(server.port(), "GET /\r\nHost: x\r\n\r\n");
    INFO("server stderr: " << server.err());
    CHECK(reply.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(no_version.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(server.stop().code == 0);
}

TEST_CASE("the http server answers 408 to a request that does not arrive in time", "[ch11][stream-readuntil]") {
    ServerProcess server({"--timeout", "0.2"});
    std::string const reply = exchange(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n");  // no blank line
    INFO("server stderr: " << server.err());
    CHECK(reply.rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
    CHECK(server.stop().code == 0);
}

namespace {

bool raise_open_file_limit(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= wanted) return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) return false;
    limit.rlim_cur = wanted;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

}  // namespace

TEST_CASE("the http server serves 1000 concurrent keep-alive connections", "[ch11][stream-readuntil]") {
    constexpr std::size_t count = 1000;
    // The server child inherits the raised limit; each side needs about `count` fds.
    if (!raise_open_file_limit(count + 64))
        COURSE_SKIP("the open-file limit cannot be raised to " << count + 64 << " (see ulimit -Hn)");
    ServerProcess server({"--timeout", "60"});
    std::size_t const ok = asyncio::run(asyncio::wait_for(
        [](std::uint16_t port) -> asyncio::Coro<std::size_t> {
            std::vector<asyncio::Streams> clients;
            for (std::size_t i = 0; i < count; ++i) clients.push_back(co_await asyncio::open_connection(port));
            // All are open at once now; each asks, then each reads its answer.
            for (auto& client : clients) client.writer.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
            std::size_t answered = 0;
            for (auto& client : clients) {
                std::string const head = co_await client.reader.readuntil("\r\n\r\n");
                std::string const body = co_await client.reader.readexactly(hello.size());
                if (head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0 && body == hello) ++answered;
            }
            co_return answered;
        }(server.port()),
        60s));
    INFO("server stderr: " << server.err());
    CHECK(ok == count);
    auto const exit = server.stop();
    CHECK(exit.code == 0);
    CHECK(exit.out == "served 1000 requests on 1000 connections\n");
}

TEST_CASE("the W4 stream server echoes what its clients send and stops after its lifetime", "[ch11][stream-drain]") {
    ServerProcess server({"2"}, "ch11_w4_stream_server", "");  // 2 s: ample for 40 echoes
    std::size_t const echoed = asyncio::run(asyncio::wait_for(
        [](std::uint16_t port) -> asyncio::Coro<std::size_t> {
            std::vector<asyncio::Streams> clients;
            for (int i = 0; i < 4; ++i) clients.push_back(co_await asyncio::open_connection(port));
            std::size_t intact = 0;
            for (int round = 0; round < 10; ++round) {
                for (auto& client : clients) client.writer.write(std::string(64, static_cast<char>('a' + round)));
                for (auto& client : clients)
                    if (co_await client.reader.readexactly(64) == std::string(64, static_cast<char>('a' + round)))
                        ++intact;
            }
            co_return intact;
        }(server.port()),
        10s));
    INFO("server stderr: " << server.err());
    CHECK(echoed == 40);
    auto const exit = server.stop();  // it stops by itself after 2 s
    CHECK(exit.code == 0);
    CHECK(server.err().find("server CPU: ") == 0);
}
