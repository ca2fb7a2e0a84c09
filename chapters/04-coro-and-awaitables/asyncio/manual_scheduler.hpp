// ManualScheduler: the smallest scheduler that lets coroutines take turns: a FIFO
// queue of suspended coroutines, resumed one after another, and yield_now() to go to
// the back of the queue. Introduced in chapter 04 as the bridge to chapter 05, whose
// event loop is this queue plus "wait for I/O and timers when it is empty".
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/todo.hpp>

#include <coroutine>
#include <deque>
#include <exception>
#include <utility>
#include <vector>

namespace asyncio {

class ManualScheduler {
public:
    ManualScheduler() = default;
    ManualScheduler(ManualScheduler const&) = delete;
    ManualScheduler& operator=(ManualScheduler const&) = delete;

    // Destroying the scheduler destroys the frames of the spawned coroutines that have
    // not finished (and, through them, of the coroutines they await), so nothing leaks.
    // The handles left in the queue point into those frames and are simply dropped.
    ~ManualScheduler() = default;

    // region: running
    // The scheduler whose run() is executing on this thread (Python:
    // asyncio.get_running_loop()). Awaitables such as yield_now() use it to find the
    // queue; outside run() there is none, and that is a RuntimeError.
    static ManualScheduler& running() {
        if (running_ == nullptr) throw RuntimeError("no running scheduler: await this inside ManualScheduler::run");
        return *running_;
    }
    static bool is_running() noexcept { return running_ != nullptr; }

    // Put a suspended coroutine at the back of the queue (Python: loop.call_soon).
    void call_soon(std::coroutine_handle<> coroutine) { ready_.push_back(coroutine); }
    // endregion

    // Start `coro` on this scheduler: it runs when run() reaches it in the queue
    // (Python: loop.create_task, without the Task object, which is chapter 08's).
    // Spawning from inside a running coroutine is fine.
    void spawn(Coro<void> coro) {
        // Started the way sync_wait starts a Coro, with no continuation: when it
        // finishes, its final awaiter returns to the loop in run().
        auto awaiter = coro.operator co_await();
        std::coroutine_handle<> start = awaiter.await_suspend(std::noop_coroutine());
        // Keep the frame first, queue it second: a handle in the queue must never
        // outlive its frame, even if push_back throws.
        spawned_.push_back(Spawned{std::move(coro), awaiter});
        call_soon(start);
    }

    // Resume ready coroutines until the queue is empty. Spawned coroutines that are
    // still suspended then are waiting for something nobody will deliver. If spawned
    // coroutines failed, run() rethrows the first exception (Python logs "Task
    // exception was never retrieved"; we prefer not to lose it).
    void run() {
        RunningGuard guard(*this);
        // TODO(scheduler-run): Until the queue is empty: take the coroutine at the
        // front, remove it, resume it.
        throw_todo("ch04", "scheduler-run");
        rethrow_first_failure();
    }

    // Python: loop.run_until_complete(main). Runs `main` with everything spawned,
    // and returns main's value (or rethrows its exception).
    template <class T>
    T run_until_complete(Coro<T> main) {
        // Checked before main is queued: its frame dies with this call.
        if (is_running()) throw RuntimeError("a scheduler is already running on this thread");
        auto awaiter = main.operator co_await();
        call_soon(awaiter.await_suspend(std::noop_coroutine()));
        run();
        if (!main.done())
            throw RuntimeError("run_until_complete: nothing is left to run, but the main coroutine has not finished");
        return awaiter.await_resume();
    }

private:
    struct Spawned {
        Coro<void> coro;             // owns the frame
        Coro<void>::Awaiter result;  // reads its outcome once it is done
    };

    // Sets running_ for the duration of run(), and clears it however run() ends.
    class RunningGuard {
    public:
        explicit RunningGuard(ManualScheduler& scheduler) {
            if (running_ != nullptr) throw RuntimeError("a scheduler is already running on this thread");
            running_ = &scheduler;
        }
        ~RunningGuard() { running_ = nullptr; }
        RunningGuard(RunningGuard const&) = delete;
        RunningGuard& operator=(RunningGuard const&) = delete;
    };

    // Forget the spawned coroutines that finished; rethrow the first exception.
    void rethrow_first_failure() {
        std::exception_ptr first;
        std::erase_if(spawned_, [&first](Spawned& spawned) {
            if (!spawned.coro.done()) return false;
            try {
                spawned.result.await_resume();
            } catch (...) {
                if (!first) first = std::current_exception();
            }
            return true;
        });
        if (first) std::rethrow_exception(first);
    }

    // region: ready-queue
    std::deque<std::coroutine_handle<>> ready_;
    // endregion
    std::vector<Spawned> spawned_;
    static inline thread_local ManualScheduler* running_ = nullptr;
};

// `co_await yield_now();` lets every other ready coroutine run once, then continues
// (Python: `await asyncio.sleep(0)`). It must be awaited inside ManualScheduler::run.
class YieldNow {
public:
    // TODO(yield-now): Always suspend; in await_suspend put the awaiting coroutine at
    // the back of the running scheduler's queue and return void; nothing to hand back
    // on resume.
    bool await_ready() const { throw_todo("ch04", "yield-now"); }
    void await_suspend(std::coroutine_handle<>) const {}
    void await_resume() const noexcept {}
};

inline YieldNow yield_now() noexcept {
    return {};
}

}  // namespace asyncio
