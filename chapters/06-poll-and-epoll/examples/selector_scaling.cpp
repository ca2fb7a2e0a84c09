// selector_scaling.cpp: what one select() call costs with N registered idle fds and one
// ready fd, for N = 10, 100, 1,000 and 10,000, with each of our selectors. Prints a table
// and draws it as an SVG plot. Chapter 06.
//
//   selector_scaling [--max N] [--svg FILE]      (defaults: 10000, selector_scaling.svg)
//
// The idle fds are duplicates (dup) of the read end of one empty pipe: as many
// descriptors to check as separate pipes, at half the fds, so 10,000 fit under a hard
// limit of 20,000. The ready fd is opened last, so it has the highest number.
// course-bench:
#include <asyncio/epoll_selector.hpp>
#include <asyncio/pipe.hpp>
#include <asyncio/poll_selector.hpp>
#include <asyncio/select_selector.hpp>

#include <fmt/core.h>

#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using asyncio::selectors::BaseSelector;

struct Series {
    std::string name;
    std::vector<std::optional<double>> ns_per_call;  // one per N; nullopt: cannot run
};

bool raise_open_file_limit(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= wanted) return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) return false;
    limit.rlim_cur = wanted;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// region: measure
// Nanoseconds per select() call: the best of 5 batches, each of at least 20 ms and 10
// calls, so that a moment when the machine was busy elsewhere does not count.
double measure(BaseSelector& selector, int ready_fd) {
    double best = 1e300;
    for (int batch = 0; batch < 5; ++batch) {
        long calls = 0;
        auto const start = Clock::now();
        auto elapsed = Clock::duration::zero();
        do {
            auto const ready = selector.select(std::nullopt);  // returns at once: one fd is ready
            if (ready.size() != 1 || ready[0].key.fd != ready_fd) throw std::logic_error("expected one ready fd");
            ++calls;
            elapsed = Clock::now() - start;
        } while (calls < 10 || elapsed < std::chrono::milliseconds(20));
        best = std::min(best, std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(calls));
    }
    return best;
}
// endregion

// One measurement: N idle fds and one ready fd registered with a new selector S.
template <class Selector>
std::optional<double> run(std::size_t n) {
    auto idle = asyncio::make_pipe();
    std::vector<asyncio::FileDescriptor> idle_fds;
    for (std::size_t i = 0; i < n; ++i) {
        idle_fds.emplace_back(::dup(idle.read_end.get()));
        if (!idle_fds.back()) return std::nullopt;  // out of fds
    }
    auto active = asyncio::make_pipe();
    (void)asyncio::write_some(active.write_end.get(), "x");  // never read: always ready
    Selector selector;
    try {
        for (auto const& fd : idle_fds) selector.register_(fd.get(), asyncio::selectors::EVENT_READ);
        selector.register_(active.read_end.get(), asyncio::selectors::EVENT_READ);
    } catch (std::invalid_argument const&) {
        return std::nullopt;  // select: an fd at or above FD_SETSIZE
    }
    return measure(selector, active.read_end.get());
}

// select() with the same two fds (one idle, one ready), numbered as low as possible or
// just below FD_SETSIZE: what the *highest fd number* costs, apart from how many fds
// are watched. Returns the lower of the two numbers and the time per call.
std::pair<int, std::optional<double>> select_two_fds_at(int number) {
    auto idle = asyncio::make_pipe();
    auto active = asyncio::make_pipe();
    (void)asyncio::write_some(active.write_end.get(), "x");
    asyncio::FileDescriptor idle_fd(number < 0 ? ::dup(idle.read_end.get()) : ::dup2(idle.read_end.get(), number));
    asyncio::FileDescriptor active_fd(number < 0 ? ::dup(active.read_end.get())
                                                 : ::dup2(active.read_end.get(), number + 1));
    if (!idle_fd || !active_fd) return {number, std::nullopt};
    asyncio::selectors::SelectSelector selector;
    selector.register_(idle_fd.get(), asyncio::selectors::EVENT_READ);
    selector.register_(active_fd.get(), asyncio::selectors::EVENT_READ);
    return {idle_fd.get(), measure(selector, active_fd.get())};
}

std::string format_time(std::optional<double> ns) {
    if (!ns) return "n/a";
    if (*ns < 1000) return fmt::format("{:.0f} ns", *ns);
    if (*ns < 1e6) return fmt::format("{:.1f} µs", *ns / 1000);
    return fmt::format("{:.2f} ms", *ns / 1e6);
}

// A log-log plot: x = N, y = time per call, one polyline per selector.
void write_svg(std::string const& path, std::vector<std::size_t> const& sizes, std::vector<Series> const& series) {
    double lo = 1e300, hi = 0;
    for (auto const& s : series)
        for (auto const& v : s.ns_per_call)
            if (v) lo = std::min(lo, *v), hi = std::max(hi, *v);
    if (hi == 0) return;
    double const y_lo = std::pow(10, std::floor(std::log10(lo)));
    double const y_hi = std::pow(10, std::ceil(std::log10(hi)));
    double const x_lo = std::log10(static_cast<double>(sizes.front()));
    double const x_hi = std::log10(static_cast<double>(sizes.back()));
    int const width = 640, height = 420, left = 80, right = 170, top = 40, bottom = 60;
    auto x = [&](std::size_t n) {
        double const f = x_hi > x_lo ? (std::log10(static_cast<double>(n)) - x_lo) / (x_hi - x_lo) : 0.5;
        return left + f * (width - left - right);
    };
    auto y = [&](double ns) {
        double const f = (std::log10(ns) - std::log10(y_lo)) / (std::log10(y_hi) - std::log10(y_lo));
        return height - bottom - f * (height - top - bottom);
    };
    char const* colours[] = {"#d62728", "#1f77b4", "#2ca02c"};

    std::string svg = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
        "font-size=\"16\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        "<text x=\"{}\" y=\"24\" font-size=\"18\">Time per select() call: N idle fds + 1 ready fd</text>\n",
        width, height, left);
    for (double v = y_lo; v <= y_hi * 1.001; v *= 10) {  // horizontal grid, one line per decade
        svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", left, y(v),
                           width - right, y(v));
        std::string const label = v < 1e3 ? fmt::format("{:g} ns", v) : v < 1e6 ? fmt::format("{:g} µs", v / 1e3)
                                                                              : fmt::format("{:g} ms", v / 1e6);
        svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 6, y(v) + 4, label);
    }
    for (std::size_t n : sizes) {
        svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#ddd\"/>\n", x(n), top, x(n),
                           height - bottom);
        svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x(n),
                           height - bottom + 18, n);
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">N registered idle fds (log scale)</text>\n",
                       (left + width - right) / 2, height - 18);
    for (std::size_t i = 0; i < series.size(); ++i) {
        std::string points;
        for (std::size_t j = 0; j < sizes.size(); ++j)
            if (auto const v = series[i].ns_per_call[j]) {
                points += fmt::format("{:.1f},{:.1f} ", x(sizes[j]), y(*v));
                svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>\n", x(sizes[j]), y(*v),
                                   colours[i % 3]);
            }
        svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", points,
                           colours[i % 3]);
        svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>\n", width - right + 12, top + 20 + 22 * i,
                           colours[i % 3], series[i].name);
    }
    svg += "</svg>\n";
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) throw std::runtime_error("cannot write " + path);
    std::fputs(svg.c_str(), file);
    std::fclose(file);
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t max_n = 10000;
    std::string svg_path = "selector_scaling.svg";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--max") == 0) max_n = std::strtoul(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--svg") == 0) svg_path = argv[i + 1];
    }
    std::vector<std::size_t> sizes;
    for (std::size_t n = 10; n <= max_n; n *= 10) sizes.push_back(n);
    if (sizes.empty()) sizes.push_back(max_n);
    if (!raise_open_file_limit(sizes.back() + 64))
        fmt::print("(the open-file limit is too low for {} fds: the largest sizes will say n/a)\n", sizes.back() + 64);

    std::vector<Series> series{{"SelectSelector", {}}, {"PollSelector", {}}, {"EpollSelector", {}}};
    for (std::size_t n : sizes) {
        series[0].ns_per_call.push_back(run<asyncio::selectors::SelectSelector>(n));
        series[1].ns_per_call.push_back(run<asyncio::selectors::PollSelector>(n));
        series[2].ns_per_call.push_back(run<asyncio::selectors::EpollSelector>(n));
    }

    fmt::print("Time per select() call, N registered idle fds + 1 ready fd (best of 5 batches):\n\n");
    fmt::print("{:>8} {:>16} {:>16} {:>16}\n", "N", "SelectSelector", "PollSelector", "EpollSelector");
    for (std::size_t j = 0; j < sizes.size(); ++j)
        fmt::print("{:>8} {:>16} {:>16} {:>16}\n", sizes[j], format_time(series[0].ns_per_call[j]),
                   format_time(series[1].ns_per_call[j]), format_time(series[2].ns_per_call[j]));
    if (std::ranges::any_of(series[0].ns_per_call, [](auto const& v) { return !v; }))
        fmt::print("\nn/a: select() cannot take an fd at or above FD_SETSIZE ({})\n", FD_SETSIZE);
    fmt::print("\nSelectSelector watching 2 fds, numbered low or just below FD_SETSIZE:\n");
    for (int const number : {-1, FD_SETSIZE - 2}) {
        auto const [first, ns] = select_two_fds_at(number);
        fmt::print("{:>24} {:>16}\n", fmt::format("fds {} and {}", first, first + 1), format_time(ns));
    }
    write_svg(svg_path, sizes, series);
    fmt::print("plot written to {}\n", svg_path);
}
