// The trace's two outputs: Chrome trace-event JSON and a timeline for the terminal.
#include <asyncio/trace.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace asyncio {

namespace {

using Nanoseconds = std::chrono::nanoseconds;

// A JSON string literal: quotes, backslashes and control characters escaped. Names
// come from the program (a task may be called anything), so nothing is assumed.
std::string json_string(std::string const& text) {
    std::string out = "\"";
    for (char const c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                else
                    out += c;
        }
    }
    return out + "\"";
}

// Microseconds with three decimals, from whole nanoseconds: exact, so two runs of the
// same trace write the same text (no floating point in between).
std::string microseconds(Nanoseconds ns) {
    long long const count = ns.count();
    return fmt::format("{}.{:03d}", count / 1000, static_cast<int>(count % 1000));
}

TimePoint trace_origin(std::vector<TraceEvent> const& events) {
    TimePoint origin = events.front().start;
    for (TraceEvent const& event : events) origin = std::min(origin, event.start);
    return origin;
}

// "41.7 ms", "3.003 s", "250 µs": a span of time for the timeline's legend.
std::string human(Nanoseconds span) {
    double const seconds = std::chrono::duration<double>(span).count();
    if (seconds >= 1) return fmt::format("{:.3f} s", seconds);
    if (seconds >= 1e-3) return fmt::format("{:.1f} ms", seconds * 1e3);
    return fmt::format("{:.0f} µs", seconds * 1e6);
}

// A row of the timeline: a task, or the plain callbacks (task_id 0).
struct Row {
    std::string label;
    std::vector<TraceEvent const*> events;
};

// Rows in the order of their tasks' ids (creation order), callbacks last.
std::vector<Row> rows_of(std::vector<TraceEvent> const& events) {
    std::map<std::uint64_t, Row> tasks;
    Row callbacks{"callbacks", {}};
    for (TraceEvent const& event : events) {
        if (event.kind == TraceEvent::Kind::step) {
            Row& row = tasks[event.task_id];
            if (row.label.empty()) row.label = row_label(event);
            row.events.push_back(&event);
        } else {
            callbacks.events.push_back(&event);
        }
    }
    std::vector<Row> rows;
    for (auto& [id, row] : tasks) rows.push_back(std::move(row));
    if (!callbacks.events.empty()) rows.push_back(std::move(callbacks));
    return rows;
}

}  // namespace

char const* to_string(TraceEvent::Kind kind) noexcept {
    return kind == TraceEvent::Kind::step ? "step" : "callback";
}

std::string row_label(TraceEvent const& event) {
    if (event.kind != TraceEvent::Kind::step) return "callbacks";
    if (event.coroutine.empty() || event.coroutine == event.name) return event.name;
    return event.name + " " + event.coroutine;
}

// region: write-chrome-trace
void write_chrome_trace(Trace const& trace, std::ostream& out) {
    std::vector<TraceEvent> const& events = trace.events();
    out << "{\"traceEvents\":[\n";
    out << R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"asyncio event loop"}})";
    if (!events.empty()) {
        // Metadata first: a name and a place for every row (Perfetto sorts by sort_index).
        std::map<std::uint64_t, std::string> threads;
        for (TraceEvent const& event : events) threads.emplace(event.task_id, row_label(event));
        for (auto const& [tid, label] : threads) {
            out << fmt::format(",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":{},\"args\":{{\"name\":{}}}}}",
                               tid, json_string(label));
            // Tasks in creation order, then the callbacks' row.
            std::uint64_t const index = tid == 0 ? threads.size() : tid;
            out << fmt::format(
                ",\n{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":{},\"args\":{{\"sort_index\":{}}}}}",
                tid, index);
        }
        TimePoint const origin = trace_origin(events);
        for (TraceEvent const& event : events) {
            std::string args = fmt::format("\"iteration\":{},\"kind\":\"{}\"", event.iteration, to_string(event.kind));
            if (!event.coroutine.empty()) args += ",\"coroutine\":" + json_string(event.coroutine);
            out << fmt::format(",\n{{\"name\":{},\"cat\":\"{}\",\"ph\":\"X\",\"ts\":{},\"dur\":{},\"pid\":1,\"tid\":{},"
                               "\"args\":{{{}}}}}",
                               json_string(event.name), to_string(event.kind),
                               microseconds(event.start - origin), microseconds(event.end - event.start),
                               event.task_id, args);
        }
    }
    out << "\n],\"displayTimeUnit\":\"ms\"}\n";
}
// endregion

// region: render-timeline
std::string render_timeline(Trace const& trace, int width) {
    std::vector<TraceEvent> const& events = trace.events();
    if (events.empty()) return "timeline: nothing was recorded\n";
    std::vector<Row> const rows = rows_of(events);
    std::size_t label_width = 0;
    for (Row const& row : rows) label_width = std::max(label_width, row.label.size());
    label_width = std::min<std::size_t>(label_width, 28);
    // `width` is the whole line: the label, " |", the columns and "|".
    width = std::max(width - static_cast<int>(label_width) - 3, 8);
    TimePoint const origin = trace_origin(events);
    TimePoint last = origin;
    for (TraceEvent const& event : events) last = std::max(last, event.end);
    long long const span = std::max<long long>(Nanoseconds(last - origin).count(), 1);
    // The column of a point in time, and of the last instant before `end`: an event that
    // ends exactly where a column begins does not spill into it.
    auto column = [&](TimePoint t) {
        long long const at = Nanoseconds(t - origin).count();
        return static_cast<int>(std::min<long long>(at * width / span, width - 1));
    };
    auto last_column = [&](TraceEvent const& event) {
        if (event.end <= event.start) return column(event.start);
        long long const at = Nanoseconds(event.end - origin).count();
        return std::max(column(event.start), static_cast<int>(std::min<long long>((at * width - 1) / span, width - 1)));
    };

    std::uint64_t iterations = 0;
    std::size_t steps = 0;
    for (TraceEvent const& event : events) {
        iterations = std::max(iterations, event.iteration);
        if (event.kind == TraceEvent::Kind::step) ++steps;
    }
    std::uint64_t first_iteration = events.front().iteration;
    for (TraceEvent const& event : events) first_iteration = std::min(first_iteration, event.iteration);

    std::string text = fmt::format("timeline: {} of loop time, {} task steps and {} other callbacks in {} iterations\n",
                                   human(Nanoseconds(span)), steps, events.size() - steps,
                                   iterations - first_iteration + 1);
    std::string const end_label = human(Nanoseconds(span));
    text += fmt::format("{:<{}} |0{:>{}}|\n", "", label_width, end_label, width - 1);
    for (Row const& row : rows) {
        // ' ' before its first step and after its last, '·' between, '█' where it ran.
        std::vector<int> cells(static_cast<std::size_t>(width), 0);  // 0 ' ', 1 '·', 2 '█'
        bool const is_task = row.events.front()->kind == TraceEvent::Kind::step;
        if (is_task) {
            int const first = column(row.events.front()->start);
            int const final = last_column(*row.events.back());
            for (int c = first; c <= final; ++c) cells[static_cast<std::size_t>(c)] = 1;
        }
        for (TraceEvent const* event : row.events)
            for (int c = column(event->start); c <= last_column(*event); ++c) cells[static_cast<std::size_t>(c)] = 2;
        std::string label = row.label.substr(0, label_width);
        text += fmt::format("{:<{}} |", label, label_width);
        for (int const cell : cells) text += cell == 2 ? "█" : cell == 1 ? "·" : " ";
        text += "|\n";
    }
    text += fmt::format("{:<{}}  █ ran  · waited  (one column: {})\n", "", label_width,
                        human(Nanoseconds(span / width)));
    return text;
}
// endregion

}  // namespace asyncio
