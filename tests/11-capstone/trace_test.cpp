// Chapter 11: the loop's trace (one event per callback and task step) and its two
// outputs, Chrome trace-event JSON and the terminal timeline. The loop runs on a
// virtual clock (chapter 07), so times are exact and the timeline is the same on every
// machine. The JSON is read back with a small parser written here, so the test needs
// nothing but the compiler.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>
#include <asyncio/trace.hpp>

#include <testing/drive.hpp>
#include <testing/process.hpp>
#include <testing/virtual_time_loop.hpp>

#include <chrono>
#include <cstddef>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using testing::Loop;

namespace {

// ---- A JSON reader, just enough for a trace -------------------------------------------

struct Json;
using JsonObject = std::map<std::string, Json>;
using JsonArray = std::vector<Json>;
struct Json {
    std::variant<std::nullptr_t, bool, double, std::string, JsonArray, JsonObject> value;
    bool is_object() const { return std::holds_alternative<JsonObject>(value); }
    bool is_number() const { return std::holds_alternative<double>(value); }
    bool is_string() const { return std::holds_alternative<std::string>(value); }
    JsonObject const& object() const { return std::get<JsonObject>(value); }
    JsonArray const& array() const { return std::get<JsonArray>(value); }
    std::string const& string() const { return std::get<std::string>(value); }
    double number() const { return std::get<double>(value); }
    Json const& operator[](std::string const& key) const {
        auto const found = object().find(key);
        if (found == object().end()) throw std::runtime_error("JSON: no key " + key);
        return found->second;
    }
    bool has(std::string const& key) const { return is_object() && object().count(key) == 1; }
};

class JsonParser {
public:
    explicit JsonParser(std::string text) : text_(std::move(text)) {}
    Json parse() {
        Json const value = parse_value();
        skip_space();
        if (at_ != text_.size()) fail("text after the value");
        return value;
    }

private:
    [[noreturn]] void fail(std::string const& what) const {
        throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(at_));
    }
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t'))
            ++at_;
    }
    char peek() {
        skip_space();
        if (at_ >= text_.size()) fail("unexpected end");
        return text_[at_];
    }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected ") + c);
        ++at_;
    }
    bool literal(std::string const& word) {
        if (text_.compare(at_, word.size(), word) != 0) return false;
        at_ += word.size();
        return true;
    }
    Json parse_value() {
        char const c = peek();
        if (c == '{') return parse_object();
        if (c == '[') return parse_array();
        if (c == '"') return Json{parse_string()};
        if (literal("true")) return Json{true};
        if (literal("false")) return Json{false};
        if (literal("null")) return Json{nullptr};
        return parse_number();
    }
    Json parse_object() {
        expect('{');
        JsonObject object;
        if (peek() == '}') {
            ++at_;
            return Json{object};
        }
        while (true) {
            if (peek() != '"') fail("expected a key");
            std::string key = parse_string();
            expect(':');
            if (!object.emplace(key, parse_value()).second) fail("duplicate key " + key);
            if (peek() == ',') {
                ++at_;
                continue;
            }
            expect('}');
            return Json{object};
        }
    }
    Json parse_array() {
        expect('[');
        JsonArray array;
        if (peek() == ']') {
            ++at_;
            return Json{array};
        }
        while (true) {
            array.push_back(parse_value());
            if (peek() == ',') {
                ++at_;
                continue;
            }
            expect(']');
            return Json{array};
        }
    }
    std::string parse_string() {
        expect('"');
        std::string out;
        while (true) {
            if (at_ >= text_.size()) fail("unterminated string");
            char const c = text_[at_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("raw control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= text_.size()) fail("unterminated escape");
            char const e = text_[at_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (at_ + 4 > text_.size()) fail("short \\u escape");
                    unsigned const code = std::stoul(text_.substr(at_, 4), nullptr, 16);
                    at_ += 4;
                    if (code >= 0x80) fail("only ASCII \\u escapes are expected here");
                    out += static_cast<char>(code);
                    break;
                }
                default: fail("bad escape");
            }
        }
    }
    Json parse_number() {
        std::size_t const begin = at_;
        if (at_ < text_.size() && text_[at_] == '-') ++at_;
        while (at_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[at_])) || text_[at_] == '.' ||
                                      text_[at_] == 'e' || text_[at_] == 'E' || text_[at_] == '+' || text_[at_] == '-'))
            ++at_;
        if (begin == at_) fail("expected a value");
        return Json{std::stod(text_.substr(begin, at_ - begin))};
    }
    std::string text_;
    std::size_t at_ = 0;
};

Json chrome_json(asyncio::Trace const& trace) {
    std::ostringstream out;
    asyncio::write_chrome_trace(trace, out);
    return JsonParser(out.str()).parse();
}

// The complete ("X") events of a parsed trace, in file order.
std::vector<Json> complete_events(Json const& root) {
    std::vector<Json> events;
    for (Json const& event : root["traceEvents"].array())
        if (event["ph"].string() == "X") events.push_back(event);
    return events;
}

std::string line_of(int line) { return "trace_test.cpp:" + std::to_string(line); }

// ---- Coroutines to trace ---------------------------------------------------------------

asyncio::Coro<int> two_naps() {
    co_await asyncio::sleep(10ms);
    co_await asyncio::sleep(10ms);
    co_return 2;
}

asyncio::Coro<std::string> fetch_data(std::string url) {
    co_await asyncio::sleep(2s);
    co_return "Data from " + url;
}

asyncio::Coro<std::string> process_data(std::string data) {
    co_await asyncio::sleep(1s);
    co_return "Processed " + data;
}

asyncio::Coro<std::vector<std::string>> running_example() {
    std::vector<asyncio::Coro<std::string>> fetches;
    for (std::string url : {"http://example.com", "http://example.org"}) fetches.push_back(fetch_data(url));
    std::vector<std::string> const results = co_await asyncio::gather(std::move(fetches));
    std::vector<asyncio::Coro<std::string>> steps;
    for (std::string const& result : results) steps.push_back(process_data(result));
    co_return co_await asyncio::gather(std::move(steps));
}

asyncio::Coro<int> traced_main() {
    co_await asyncio::sleep(0s);
    co_return 7;
}

// The running example on a virtual clock, traced.
asyncio::Trace trace_running_example() {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Trace trace;
    loop.set_trace(&trace);
    std::vector<std::string> const results = testing::drive(loop, running_example());
    loop.set_trace(nullptr);
    REQUIRE(results.size() == 2);
    return trace;
}

asyncio::TraceEvent event_at(asyncio::TraceEvent::Kind kind, std::string name, std::string coroutine,
                             std::uint64_t task, std::uint64_t iteration, int start_ms, int end_ms) {
    asyncio::TimePoint const zero(std::chrono::hours(1));
    return {kind, std::move(name), std::move(coroutine), task, iteration, zero + std::chrono::milliseconds(start_ms),
            zero + std::chrono::milliseconds(end_ms)};
}

}  // namespace

// ---- trace-events ----------------------------------------------------------------------

TEST_CASE("a trace records one event per callback with its handle and its iteration and its times", "[ch11][trace-events]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Trace trace;
    loop.set_trace(&trace);
    CHECK(loop.get_trace() == &trace);
    asyncio::TimePoint const start = clock.now;
    loop.call_soon([&] { clock.now += 5ms; });
    int const first = __LINE__ - 1;
    loop.call_soon([&] { clock.now += 7ms; });
    int const second = __LINE__ - 1;
    loop.run_once();
    loop.call_soon([] {});
    int const third = __LINE__ - 1;
    loop.run_once();
    auto const& events = trace.events();
    REQUIRE(events.size() == 3);
    using Kind = asyncio::TraceEvent::Kind;
    CHECK(events[0].kind == Kind::callback);
    CHECK(events[0].name == "<Handle " + line_of(first) + ">");
    CHECK(events[0].task_id == 0);
    CHECK(events[0].coroutine.empty());
    CHECK(events[0].start == start);
    CHECK(events[0].end == start + 5ms);
    CHECK(events[1].name == "<Handle " + line_of(second) + ">");
    CHECK(events[1].start == start + 5ms);
    CHECK(events[1].end == start + 12ms);
    CHECK(events[0].iteration == events[1].iteration);
    CHECK(events[2].name == "<Handle " + line_of(third) + ">");
    CHECK(events[2].iteration == events[1].iteration + 1);
    CHECK(events[2].iteration == loop.iteration());
}

TEST_CASE("a task's steps are recorded as steps of that task and not as the callbacks that woke it", "[ch11][trace-events]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Trace trace;
    loop.set_trace(&trace);
    auto task = asyncio::create_task(loop, two_naps(), "napper");
    testing::run_until(loop, [&] { return task.done(); }, 20);
    REQUIRE(task.done());
    CHECK(task.result() == 2);
    std::vector<asyncio::TraceEvent const*> steps;
    std::size_t callbacks = 0;
    for (asyncio::TraceEvent const& event : trace.events()) {
        if (event.kind == asyncio::TraceEvent::Kind::step) {
            steps.push_back(&event);
        } else {
            ++callbacks;
            CHECK(event.task_id == 0);
        }
    }
    // Three steps (start, after each nap); two timer callbacks woke it.
    REQUIRE(steps.size() == 3);
    CHECK(callbacks == 2);
    for (auto const* step : steps) {
        CHECK(step->name == "napper");
        CHECK(step->coroutine == "two_naps");
        CHECK(step->task_id == steps[0]->task_id);
        CHECK(step->task_id != 0);
    }
    CHECK(steps[1]->start - steps[0]->start == 10ms);
    CHECK(steps[2]->start - steps[1]->start == 10ms);
    CHECK(steps[0]->iteration < steps[1]->iteration);
    CHECK(steps[1]->iteration < steps[2]->iteration);
    CHECK(asyncio::row_label(*steps[0]) == "napper two_naps");
}

TEST_CASE("in the running example's trace iterations never go back and no two events of a row overlap", "[ch11][trace-events]") {
    asyncio::Trace const trace = trace_running_example();
    auto const& events = trace.events();
    REQUIRE(events.size() >= 10);
    std::map<std::uint64_t, asyncio::TimePoint> row_end;
    std::set<std::string> coroutines;
    for (std::size_t i = 0; i < events.size(); ++i) {
        asyncio::TraceEvent const& event = events[i];
        CHECK(event.end >= event.start);
        if (i > 0) {
            CHECK(event.iteration >= events[i - 1].iteration);
            CHECK(event.start >= events[i - 1].end);  // one thread: one callback at a time
        }
        if (auto const found = row_end.find(event.task_id); found != row_end.end()) CHECK(event.start >= found->second);
        row_end[event.task_id] = event.end;
        if (event.kind == asyncio::TraceEvent::Kind::step) coroutines.insert(event.coroutine);
    }
    CHECK(coroutines == std::set<std::string>{"running_example", "fetch_data", "process_data"});
    // Five tasks: main, two fetches, two processings.
    std::set<std::uint64_t> tasks;
    for (auto const& event : events)
        if (event.kind == asyncio::TraceEvent::Kind::step) tasks.insert(event.task_id);
    CHECK(tasks.size() == 5);
    // 3 s of virtual time from the first event to the last.
    CHECK(events.back().end - events.front().start == 3s);
}

TEST_CASE("a loop records nothing without a trace and stops recording when the trace is removed", "[ch11][trace-events]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Trace trace;
    loop.call_soon([] {});
    loop.run_once();
    loop.set_trace(&trace);
    loop.call_soon([] {});
    loop.run_once();
    loop.set_trace(nullptr);
    CHECK(loop.get_trace() == nullptr);
    loop.call_soon([] {});
    loop.run_once();
    CHECK(trace.events().size() == 1);
}

TEST_CASE("asyncio::run with a trace records main's first step too", "[ch11][trace-events]") {
    asyncio::Trace trace;
    CHECK(asyncio::run(traced_main(), trace) == 7);
    REQUIRE(!trace.events().empty());
    asyncio::TraceEvent const& first = trace.events().front();
    CHECK(first.kind == asyncio::TraceEvent::Kind::step);
    CHECK(first.coroutine == "traced_main");
    std::size_t steps = 0;
    for (auto const& event : trace.events()) steps += event.kind == asyncio::TraceEvent::Kind::step ? 1 : 0;
    CHECK(steps == 2);  // before and after sleep(0)
}

// ---- the Chrome trace ------------------------------------------------------------------

TEST_CASE("the Chrome trace is JSON with a complete event per recorded event and a named row per task", "[ch11][trace-events]") {
    asyncio::Trace const trace = trace_running_example();
    Json const root = chrome_json(trace);
    REQUIRE(root.is_object());
    REQUIRE(root.has("traceEvents"));
    std::vector<Json> const events = complete_events(root);
    REQUIRE(events.size() == trace.events().size());
    std::map<double, std::string> thread_names;
    for (Json const& event : root["traceEvents"].array())
        if (event["ph"].string() == "M" && event["name"].string() == "thread_name")
            thread_names[event["tid"].number()] = event["args"]["name"].string();
    double previous_ts = -1;
    std::map<double, double> row_end;
    for (std::size_t i = 0; i < events.size(); ++i) {
        Json const& event = events[i];
        asyncio::TraceEvent const& recorded = trace.events()[i];
        CHECK(event["name"].string() == recorded.name);
        CHECK(event["pid"].number() == 1);
        double const tid = event["tid"].number();
        CHECK(tid == static_cast<double>(recorded.task_id));
        CHECK(thread_names.count(tid) == 1);
        double const ts = event["ts"].number();
        double const dur = event["dur"].number();
        CHECK(dur >= 0);
        CHECK(ts >= previous_ts);
        previous_ts = ts;
        if (row_end.count(tid) == 1) CHECK(ts >= row_end[tid]);  // complete events on one tid never overlap
        row_end[tid] = ts + dur;
        CHECK(event["args"]["iteration"].number() == static_cast<double>(recorded.iteration));
        CHECK(event["args"]["kind"].string() == asyncio::to_string(recorded.kind));
        CHECK(event["cat"].string() == asyncio::to_string(recorded.kind));
    }
    CHECK(events.front()["ts"].number() == 0);
    // In microseconds: the last event starts 3 s after the first (virtual time).
    CHECK(events.back()["ts"].number() == 3'000'000);
    CHECK(thread_names[0] == "callbacks");
    std::size_t fetch_rows = 0;
    for (auto const& [tid, name] : thread_names) fetch_rows += name.find(" fetch_data") != std::string::npos ? 1 : 0;
    CHECK(fetch_rows == 2);
}

TEST_CASE("the Chrome trace escapes quotes and backslashes and control characters in names", "[ch11]") {
    asyncio::Trace trace;
    std::string const odd = "he said \"hi\"\\ \n\t\x01";
    trace.record(event_at(asyncio::TraceEvent::Kind::step, odd, "odd", 3, 1, 0, 2));
    Json const root = chrome_json(trace);
    std::vector<Json> const events = complete_events(root);
    REQUIRE(events.size() == 1);
    CHECK(events[0]["name"].string() == odd);
    CHECK(events[0]["ts"].number() == 0);
    CHECK(events[0]["dur"].number() == 2000);
    CHECK(events[0]["args"]["coroutine"].string() == "odd");
}

TEST_CASE("an empty trace is still valid JSON with no complete events", "[ch11]") {
    Json const root = chrome_json(asyncio::Trace());
    CHECK(complete_events(root).empty());
    CHECK(asyncio::render_timeline(asyncio::Trace()) == "timeline: nothing was recorded\n");
}

// ---- the terminal timeline --------------------------------------------------------------

TEST_CASE("the terminal timeline draws a row per task with where it ran and where it waited", "[ch11]") {
    // Labels 12 wide, 10 columns of 8 ms: a step marks every column it touches, an
    // event ending exactly where a column begins does not spill into it.
    using Kind = asyncio::TraceEvent::Kind;
    asyncio::Trace trace;
    trace.record(event_at(Kind::step, "Task-1", "main", 1, 1, 0, 1));
    trace.record(event_at(Kind::step, "Task-2", "fetch", 2, 2, 1, 2));
    trace.record(event_at(Kind::callback, "<TimerHandle x>", "", 0, 3, 40, 41));
    trace.record(event_at(Kind::step, "Task-2", "fetch", 2, 4, 41, 42));
    trace.record(event_at(Kind::step, "Task-1", "main", 1, 5, 70, 80));
    std::string const expected =
        "timeline: 80.0 ms of loop time, 4 task steps and 1 other callbacks in 5 iterations\n"
        "             |0  80.0 ms|\n"
        "Task-1 main  |█·······██|\n"
        "Task-2 fetch |█····█    |\n"
        "callbacks    |     █    |\n"
        "              █ ran  · waited  (one column: 8.0 ms)\n";
    CHECK(asyncio::render_timeline(trace, 25) == expected);  // 12 for the labels, 10 columns
}

TEST_CASE("the running example's timeline on a virtual clock is the same on every run", "[ch11][trace-events]") {
    std::string const first = asyncio::render_timeline(trace_running_example(), 60);
    std::string const second = asyncio::render_timeline(trace_running_example(), 60);
    INFO(first);
    // Task numbers differ between runs (they count every task of the process): compare
    // the drawing, not the labels.
    auto drawing = [](std::string const& text) {
        std::string rows;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);)
            if (auto const bar = line.find('|'); bar != std::string::npos) rows += line.substr(bar) + "\n";
        return rows;
    };
    CHECK(drawing(first) == drawing(second));
    CHECK(first.find(" fetch_data ") != std::string::npos);
    CHECK(first.find(" process_data ") != std::string::npos);
    CHECK(first.find("3.000 s of loop time") != std::string::npos);
}

// ---- the lesson program ---------------------------------------------------------------

TEST_CASE("the demo tells the running example and writes its Chrome trace and prints the timeline", "[ch11][trace-events]") {
    std::string const path = testing::bin_dir() + "/demo_trace_test.json";
    auto const result = testing::run_example("ch11_demo", {"--trace", path});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    auto count = [](std::string const& text, std::string const& what) {
        std::size_t n = 0;
        for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    CHECK(count(result.out, "Fetching data from") == 4);  // the fixed story and the article's
    CHECK(count(result.out, "Result: Processed data: Data from http://example.") == 2);
    CHECK(count(result.err, "was never awaited") == 2);   // the article's mistake, reported
    CHECK(count(result.out, "Task-2 fetch_data ") == 1);
    CHECK(count(result.out, "Task-5 process_data ") == 1);
    CHECK(result.out.find(" fetch_data ") != std::string::npos);
    CHECK(result.out.find(" process_data |") != std::string::npos);
    CHECK(result.out.find("█ ran  · waited") != std::string::npos);
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    Json const root = JsonParser(text.str()).parse();
    std::vector<Json> const events = complete_events(root);
    std::size_t steps = 0;
    for (Json const& event : events) steps += event["args"]["kind"].string() == "step" ? 1 : 0;
    CHECK(steps >= 10);  // main 3 or more, each of the four coroutines 2
}

TEST_CASE("the trace_cost lesson program measures the three modes", "[ch11][trace-events]") {
    auto const result = testing::run_example("ch11_trace_cost", {"2000"});
    INFO(result.out << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("debug mode and trace off") != std::string::npos);
    CHECK(result.out.find("debug mode on") != std::string::npos);
    CHECK(result.out.find("trace recording") != std::string::npos);
    CHECK(testing::run_example("ch11_trace_cost", {"10"}).exit_code == 2);
}

TEST_CASE("every row of the terminal timeline is as wide as asked", "[ch11][trace-events]") {
    std::string const text = asyncio::render_timeline(trace_running_example());
    INFO(text);
    std::istringstream lines(text);
    std::size_t rows = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line.back() != '|') continue;
        // Count characters, not bytes: '█' and '·' are several bytes in UTF-8.
        std::size_t columns = 0;
        for (unsigned char const c : line) columns += (c & 0xC0) != 0x80 ? 1 : 0;
        CHECK(columns == 72);
        ++rows;
    }
    CHECK(rows == 7);  // the axis, five tasks, the callbacks
}
