// asyncio::run(main()): the way an asyncio program starts (Python: asyncio.run). A fresh
// loop runs `main` as a task; then every task still pending is cancelled and waited for,
// and the loop is closed. Introduced in chapter 08.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/default_selector.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/task.hpp>

#include <exception>
#include <memory>
#include <utility>

namespace asyncio {

// Cancels every pending task of `loop` and runs the loop until all are done; a task that
// ends with an exception other than CancelledError is reported to the exception handler
// (Python: asyncio.runners._cancel_all_tasks).
void cancel_all_tasks(EventLoop& loop);

// region: run
template <class T>
T run(Coro<T> main, std::unique_ptr<selectors::BaseSelector> selector = std::make_unique<selectors::DefaultSelector>()) {
    if (get_running_loop_or_null() != nullptr)
        throw RuntimeError("asyncio.run() cannot be called from a running event loop");
    EventLoop loop(std::move(selector));
    // The loop is closed however main ends: with a value, with an exception, cancelled.
    struct Shutdown {
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
