// Chapter 08: asyncio::run and run_until_complete, and the two warnings the running
// example needs: a coroutine never awaited, a task exception never retrieved.
#include <testing/catch.hpp>

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/runners.hpp>
#include <asyncio/select_selector.hpp>
#include <asyncio/sleep.hpp>
#include <asyncio/task.hpp>

#include <testing/virtual_time_loop.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using Loop = testing::VirtualTimeLoop<asyncio::selectors::SelectSelector>;

namespace {

// Everything written to stderr while it lives (the warnings go there, as Python's do).
class CaptureStderr {
public:
    CaptureStderr() : file_(std::tmpfile()), saved_(::dup(2)) {
        std::fflush(stderr);
        ::dup2(::fileno(file_), 2);
    }
    ~CaptureStderr() {
        restore();
        std::fclose(file_);
    }
    std::string text() {
        restore();
        std::rewind(file_);
        std::string result;
        char buffer[4096];
        while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file_)) result.append(buffer, n);
        return result;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::FILE* file_;
    int saved_;
};

asyncio::Coro<int> double_after(int x, std::chrono::milliseconds delay) {
    co_await asyncio::sleep(delay);
    co_return 2 * x;
}

asyncio::Coro<int> process_data(int x) { co_return x + 1; }

}  // namespace

TEST_CASE("run_until_complete returns the coroutine's value and rethrows its exception", "[ch08][task-step]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    CHECK(loop.run_until_complete(double_after(21, 5ms)) == 42);
    auto failing = []() -> asyncio::Coro<void> {
        co_await asyncio::sleep(1ms);
        throw std::invalid_argument("bad input");
    };
    CHECK_THROWS_AS(loop.run_until_complete(failing()), std::invalid_argument);
    CHECK_FALSE(loop.is_running());
}

TEST_CASE("run_until_complete of a future stops once the future is done", "[ch08][future-callbacks]") {
    testing::VirtualClock clock;
    Loop loop(clock);
    asyncio::Future<std::string> future(loop);
    (void)loop.call_later(30ms, [&] { future.set_result("late"); });
    auto const start = clock.now;
    CHECK(loop.run_until_complete(future) == "late");
    CHECK(clock.now - start == 30ms);
}

TEST_CASE("asyncio::run runs main on a fresh loop and returns its value", "[ch08][run]") {
    auto main_coroutine = []() -> asyncio::Coro<int> {
        auto a = asyncio::create_task(double_after(1, 2ms));
        auto b = asyncio::create_task(double_after(2, 1ms));
        co_return co_await a + co_await b;
    };
    CHECK(asyncio::run(main_coroutine()) == 6);
    CHECK(asyncio::get_running_loop_or_null() == nullptr);
}

TEST_CASE("asyncio::run cancels the tasks main left behind and lets them clean up", "[ch08][run]") {
    std::vector<std::string> log;
    auto leftover = [&](std::string name) -> asyncio::Coro<void> {
        try {
            co_await asyncio::sleep(1h);
        } catch (asyncio::CancelledError const&) {
            log.push_back(name + " cleaned up");
            throw;
        }
    };
    auto main_coroutine = [&]() -> asyncio::Coro<std::string> {
        (void)asyncio::create_task(leftover("A"));
        (void)asyncio::create_task(leftover("B"));
        co_await asyncio::sleep(0s);  // let them start
        co_return "main done";
    };
    CHECK(asyncio::run(main_coroutine()) == "main done");
    CHECK(log == std::vector<std::string>{"A cleaned up", "B cleaned up"});
}

TEST_CASE("asyncio::run rethrows main's exception after cleaning up", "[ch08][run]") {
    bool cleaned = false;
    auto leftover = [&]() -> asyncio::Coro<void> {
        try {
            co_await asyncio::sleep(1h);
        } catch (asyncio::CancelledError const&) {
            cleaned = true;
            throw;
        }
    };
    auto main_coroutine = [&]() -> asyncio::Coro<void> {
        (void)asyncio::create_task(leftover());
        co_await asyncio::sleep(1ms);
        throw std::runtime_error("main failed");
    };
    CHECK_THROWS_WITH(asyncio::run(main_coroutine()), "main failed");
    CHECK(cleaned);
}

TEST_CASE("asyncio::run reports a leftover task that fails while it is cancelled", "[ch08][run]") {
    CaptureStderr captured;
    auto leftover = []() -> asyncio::Coro<void> {
        try {
            co_await asyncio::sleep(1h);
        } catch (asyncio::CancelledError const&) {
        }
        throw std::runtime_error("failed during clean-up");
    };
    auto main_coroutine = [&]() -> asyncio::Coro<int> {
        (void)asyncio::create_task(leftover(), "leftover");
        co_await asyncio::sleep(0s);
        co_return 1;
    };
    CHECK(asyncio::run(main_coroutine()) == 1);
    std::string const text = captured.text();
    CHECK(text.find("unhandled exception during asyncio.run() shutdown") != std::string::npos);
    CHECK(text.find("failed during clean-up") != std::string::npos);
    CHECK(text.find("name='leftover'") != std::string::npos);
}

TEST_CASE("asyncio::run inside a running loop is a RuntimeError", "[ch08][run]") {
    auto inner = []() -> asyncio::Coro<int> { co_return 1; };
    auto main_coroutine = [&]() -> asyncio::Coro<std::string> {
        try {
            (void)asyncio::run(inner());
        } catch (asyncio::RuntimeError const& error) {
            co_return error.what();
        }
        co_return "no error";
    };
    CHECK(asyncio::run(main_coroutine()) == "asyncio.run() cannot be called from a running event loop");
}

TEST_CASE("a coroutine created and destroyed without being awaited prints a warning naming it", "[ch08]") {
    CaptureStderr captured;
    {
        std::vector<asyncio::Coro<int>> processed;
        for (int r : {1, 2}) processed.push_back(process_data(r));  // the running example's bug
    }
    std::string const text = captured.text();
    CHECK(text.find("RuntimeWarning: coroutine 'process_data' (run_test.cpp:") != std::string::npos);
    CHECK(text.find("was never awaited") != std::string::npos);
    CaptureStderr quiet;
    auto awaited = []() -> asyncio::Coro<int> { co_return co_await process_data(1); };
    CHECK(asyncio::run(awaited()) == 2);
    CHECK(quiet.text().empty());
}

TEST_CASE("a task whose exception nobody retrieved reports it with its name when destroyed", "[ch08]") {
    CaptureStderr captured;
    {
        testing::VirtualClock clock;
        Loop loop(clock);
        auto failing = []() -> asyncio::Coro<void> {
            throw std::runtime_error("nobody looked");
            co_return;
        };
        {
            auto task = asyncio::create_task(loop, failing(), "forgotten");
            testing::run_until(loop, [&] { return task.done(); }, 10);
        }
        auto retrieved = asyncio::create_task(loop, failing(), "retrieved");
        testing::run_until(loop, [&] { return retrieved.done(); }, 10);
        CHECK(retrieved.exception() != nullptr);
    }
    std::string const text = captured.text();
    CHECK(text.find("Task exception was never retrieved") != std::string::npos);
    CHECK(text.find("name='forgotten'") != std::string::npos);
    CHECK(text.find("nobody looked") != std::string::npos);
    CHECK(text.find("name='retrieved'") == std::string::npos);
}
