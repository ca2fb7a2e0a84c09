// W4's load generator (bench/WORKLOADS.md), shared by every runtime's echo server:
//   w4_client RUNTIME PORT SERVER_PID [--quick]
// 64 connections to 127.0.0.1:PORT (TCP_NODELAY), each with one 64-byte request in flight:
// when its whole echo is back (and equal to what was sent) the next request goes out.
// After a 0.5 s warm-up it counts the round trips of a 5 s window (--quick: 0.05 s and
// 0.5 s) and reads the server's CPU time (utime + stime, /proc/SERVER_PID/stat) at both
// ends of the window. Prints
//   result RUNTIME W4-echo ROUND_TRIPS_PER_SECOND
//   result RUNTIME W4-server-cpu MICROSECONDS_OF_SERVER_CPU_PER_ROUND_TRIP
// and exits 0; a wrong echo, a closed connection or no progress for 10 s exits 1.
// One thread and epoll: the client is the same for every server, so its own cost is too.
#include "bench.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <string>

namespace {

constexpr int connections = 64;
constexpr std::size_t message = 64;

[[noreturn]] void fail(std::string const& what) {
    std::fprintf(stderr, "w4_client: %s\n", what.c_str());
    std::exit(1);
}

// utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat, counted
// after the command name, which is in parentheses and may hold spaces).
double process_cpu_of(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto const close = stat.rfind(')');
    if (close == std::string::npos) fail("no /proc/" + std::to_string(pid) + "/stat: is the server running?");
    std::string rest = stat.substr(close + 2);  // field 3 (state) onwards
    char* p = rest.data();
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; field <= 15; ++field) {
        char* end = nullptr;
        unsigned long long const v = std::strtoull(p, &end, 10);
        if (field == 14) utime = v;
        if (field == 15) stime = v;
        if (field == 3) end = p + 1;  // the state is a letter
        p = end;
        while (*p == ' ') ++p;
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Connection {
    int fd = -1;
    std::array<char, message> sent{};
    std::array<char, message> got{};
    std::size_t have = 0;
    unsigned long sequence = 0;
};

// The request of connection i, number n: its bytes say which, so a reply sent to the
// wrong connection, or an old one, does not compare equal.
void fill(Connection& c, int i) {
    std::snprintf(c.sent.data(), c.sent.size(), "conn %02d request %012lu ", i, c.sequence);
    for (std::size_t k = std::strlen(c.sent.data()); k < message; ++k)
        c.sent[k] = static_cast<char>('a' + (k + c.sequence) % 26);
}

void send_request(Connection& c, int i) {
    fill(c, i);
    c.have = 0;
    ssize_t const n = ::send(c.fd, c.sent.data(), message, MSG_NOSIGNAL);
    // One request in flight: the socket's send buffer is empty, so 64 bytes always fit.
    if (n != static_cast<ssize_t>(message)) fail("send: " + std::string(n < 0 ? std::strerror(errno) : "short write"));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) fail("usage: w4_client RUNTIME PORT SERVER_PID [--quick]");
    std::string const runtime = argv[1];
    int const port = std::atoi(argv[2]);
    long const server = std::atol(argv[3]);
    bool const is_quick = bench::quick(argc, argv);
    if (port <= 0 || port > 65535 || server <= 0) fail("bad PORT or SERVER_PID");
    double const warmup = is_quick ? 0.05 : 0.5;
    double const window = is_quick ? 0.5 : 5.0;

    int const ep = epoll_create1(EPOLL_CLOEXEC);
    std::array<Connection, connections> conns{};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < connections; ++i) {
        Connection& c = conns[static_cast<std::size_t>(i)];
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c.fd < 0) fail("socket: " + std::string(std::strerror(errno)));
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            fail("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(i);
        epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    }

    double const start = bench::wall_seconds();
    double const window_start = start + warmup, window_end = window_start + window;
    for (int i = 0; i < connections; ++i) send_request(conns[static_cast<std::size_t>(i)], i);

    bool counting = false;
    unsigned long round_trips = 0, total = 0;
    double cpu_before = 0, progress = start;
    std::array<epoll_event, connections> events{};
    for (;;) {
        double const now = bench::wall_seconds();
        if (!counting && now >= window_start) {
            counting = true;
            cpu_before = process_cpu_of(server);
        }
        if (now >= window_end) break;
        if (now - progress > 10) fail("no echo for 10 s (" + std::to_string(total) + " round trips so far)");
        double const next = counting ? window_end : window_start;
        int const timeout_ms = static_cast<int>((next - now) * 1000) + 1;
        int const n = epoll_wait(ep, events.data(), connections, timeout_ms);
        if (n < 0 && errno != EINTR) fail("epoll_wait: " + std::string(std::strerror(errno)));
        for (int k = 0; k < n; ++k) {
            int const i = static_cast<int>(events[static_cast<std::size_t>(k)].data.u32);
            Connection& c = conns[static_cast<std::size_t>(i)];
            ssize_t const got = ::recv(c.fd, c.got.data() + c.have, message - c.have, 0);
            if (got == 0) fail("the server closed connection " + std::to_string(i));
            if (got < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                fail("recv: " + std::string(std::strerror(errno)));
            }
            c.have += static_cast<std::size_t>(got);
            if (c.have < message) continue;
            if (c.got != c.sent)
                fail("connection " + std::to_string(i) + " got back something other than it sent: '" +
                     std::string(c.got.data(), message) + "'");
            ++total;
            if (counting) ++round_trips;
            progress = bench::wall_seconds();
            ++c.sequence;
            send_request(c, i);
        }
    }
    double const cpu_after = process_cpu_of(server);
    double const measured = bench::wall_seconds() - window_start;
    for (auto& c : conns) ::close(c.fd);
    ::close(ep);
    if (round_trips == 0) fail("no round trip in the window");
    std::fprintf(stderr, "w4_client: %lu round trips in %.3f s, server CPU %.3f s (%lu with the warm-up)\n", round_trips,
                 measured, cpu_after - cpu_before, total);
    bench::result(runtime, "W4-echo", static_cast<double>(round_trips) / measured);
    bench::result(runtime, "W4-server-cpu", (cpu_after - cpu_before) * 1e6 / static_cast<double>(round_trips));
    return 0;
}
