// Helpers for chapter 09's tests: a loop on a virtual clock (chapter 07), a coroutine
// driven to its end for a bounded number of iterations, and a log of what the loop's
// exception handler was told. Chapter 09.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/task.hpp>

#include <testing/virtual_time_loop.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace testing {

using Loop = VirtualTimeLoop<asyncio::selectors::SelectSelector>;

// Runs `coro` as a task until it is done and returns its result (or rethrows). A task
// that is not done after `max_iterations` is a broken exercise: std::runtime_error, not
// a hang.
template <class T>
T drive(asyncio::EventLoop& loop, asyncio::Coro<T> coro, std::size_t max_iterations = 10'000) {
    auto task = asyncio::create_task(loop, std::move(coro));
    run_until(loop, [&] { return task.done(); }, max_iterations);
    if (!task.done()) throw std::runtime_error("the test's task did not finish within the iterations allowed");
    if constexpr (std::is_void_v<T>)
        task.result();
    else
        return task.result();
}

// Milliseconds of virtual time since `start`.
inline long long ms_since(asyncio::EventLoop const& loop, asyncio::TimePoint start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(loop.time() - start).count();
}

// Every message the loop's exception handler receives (instead of printing them).
// It puts the default handler back when it goes: the loop may report more (pending tasks
// at close) after the log is gone.
struct HandlerLog {
    std::vector<std::string> messages;
    asyncio::EventLoop& loop;
    HandlerLog(HandlerLog const&) = delete;
    HandlerLog& operator=(HandlerLog const&) = delete;
    ~HandlerLog() { loop.set_exception_handler(nullptr); }
    explicit HandlerLog(asyncio::EventLoop& loop_) : loop(loop_) {
        loop.set_exception_handler([this](asyncio::EventLoop&, asyncio::ExceptionContext const& context) {
            std::string text = context.message;
            if (context.exception) text += ": " + asyncio::describe_exception(context.exception);
            messages.push_back(std::move(text));
        });
    }
};

}  // namespace testing
