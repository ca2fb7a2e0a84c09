// Trace: what an event loop ran, callback by callback and task step by task step (when
// each started and ended on the loop's clock, which task, which iteration), written as
// Chrome trace-event JSON (Perfetto, chrome://tracing, the course's viewer) or drawn as
// a timeline in the terminal. Introduced in chapter 11 (loop.set_trace).
#pragma once

#include <asyncio/clock.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/runners.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace asyncio {

// region: trace-event
// One callback the loop ran. A task's step is a callback too (the one that resumed its
// coroutine); the trace tells them apart, so that each task gets a row of its own.
struct TraceEvent {
    enum class Kind { callback, step };
    Kind kind = Kind::callback;
    std::string name;            // a step: the task's name ("Task-2"); else the Handle ("<Handle x.cpp:3>")
    std::string coroutine;       // a step: the task's coroutine function ("fetch_data"); else ""
    std::uint64_t task_id = 0;   // a step: the task's id (N in Task-N); else 0
    std::uint64_t iteration = 0; // the loop's iteration() it ran in
    TimePoint start;             // on the loop's clock, time()
    TimePoint end;
};
// endregion

char const* to_string(TraceEvent::Kind kind) noexcept;  // "callback" or "step"

// The events of one or more runs of a loop, in the order they ran. Not thread-safe: it
// is written by the loop's thread only, and read once the loop is done with it.
class Trace {
public:
    void record(TraceEvent event) { events_.push_back(std::move(event)); }
    std::vector<TraceEvent> const& events() const noexcept { return events_; }
    void clear() noexcept { events_.clear(); }

private:
    std::vector<TraceEvent> events_;
};

// region: trace-output
// Chrome's trace-event format ({"traceEvents": [...]}): one complete event ("ph": "X")
// per TraceEvent, ts and dur in microseconds from the first event's start, pid 1, one
// tid per task (its id) and tid 0 for plain callbacks, each named by a metadata event;
// args hold the iteration and the kind. Perfetto (ui.perfetto.dev), chrome://tracing and
// chapters/11-capstone/viewer/timeline.html open it.
void write_chrome_trace(Trace const& trace, std::ostream& out);

// A row per task ("Task-2 fetch_data") and one for plain callbacks, time flowing left to
// right: '█' where it ran (a step, however short, marks its column), '·' where it waited
// between its first and its last step. `width` is the length of a row, label included
// (72 fits a terminal of 80 columns). Ends with a legend.
std::string render_timeline(Trace const& trace, int width = 72);

// The label of a step's row: "Task-2 fetch_data" (its name and coroutine function).
std::string row_label(TraceEvent const& event);
// endregion

// region: run-traced
// asyncio::run(main) on a loop that records into `trace` from its very first callback
// (setting the trace from inside main would miss main's first step).
template <class T>
T run(Coro<T> main, Trace& trace) {
    if (get_running_loop_or_null() != nullptr)
        throw RuntimeError("asyncio.run() cannot be called from a running event loop");
    EventLoop loop;
    loop.set_trace(&trace);
    struct Shutdown {  // as asyncio::run's (runners.hpp)
        EventLoop& loop;
        ~Shutdown() {
            try {
                cancel_all_tasks(loop);
            } catch (...) {
                loop.call_exception_handler({"asyncio::run: shutting down failed", std::current_exception(), {}});
            }
            loop.close();
        }
    } shutdown{loop};
    return loop.run_until_complete(std::move(main));
}
// endregion

}  // namespace asyncio
