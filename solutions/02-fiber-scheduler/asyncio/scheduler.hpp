// BasicScheduler<Switch>: green threads. Many fibers on one thread take turns: spawn()
// queues a fiber, run() resumes the ready ones in FIFO order until all have finished,
// and a fiber gives the thread away only where it calls yield, sleep, join or park.
// Introduced in chapter 02; chapter 05's event loop is the stackless version of this.
#pragma once

#include <asyncio/fiber.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace asyncio {

template <ContextSwitch Switch>
class BasicScheduler {
    struct Record;  // the scheduler's bookkeeping for one spawned fiber

public:
    using Clock = std::chrono::steady_clock;
    using Fiber = BasicFiber<Switch>;
    static constexpr std::size_t default_stack_size = Fiber::default_stack_size;

    // What spawn() returns: a reference to one spawned fiber, for join() and done().
    // Cheap to copy. It keeps the fiber's outcome (its exception) alive, not its stack:
    // a fiber's stack is freed as soon as it finishes.
    class Handle {
    public:
        Handle() = default;  // refers to no fiber
        explicit operator bool() const noexcept { return record_ != nullptr; }
        bool done() const noexcept;         // the fiber has returned or thrown
        std::uint64_t id() const noexcept;  // 1, 2, 3... in the order of spawn()
        friend bool operator==(Handle const&, Handle const&) = default;

    private:
        friend class BasicScheduler;
        explicit Handle(std::shared_ptr<Record> record) : record_(std::move(record)) {}
        std::shared_ptr<Record> record_;
    };

    // What an exception handler is told (Python: the `context` dict of
    // loop.set_exception_handler): a fiber died of `exception` and nobody will ever join it.
    struct ExceptionContext {
        std::string message;
        std::exception_ptr exception;
        std::uint64_t fiber_id = 0;
    };
    using ExceptionHandler = std::function<void(ExceptionContext const&)>;

    BasicScheduler() = default;
    // Fibers that never finished (run() was not called, or stopped on a deadlock or an
    // exception) are destroyed, which unwinds their stacks (chapter 01's ForcedUnwind).
    ~BasicScheduler();
    BasicScheduler(BasicScheduler const&) = delete;
    BasicScheduler& operator=(BasicScheduler const&) = delete;

    // Creates a fiber running `body` and puts it at the back of the run queue. Allowed
    // before run() and from fibers while it runs; after run() has returned: RuntimeError.
    Handle spawn(std::function<void()> body, std::size_t stack_size = default_stack_size);

    // Runs fibers until every one has finished. If fibers are left that nothing can wake
    // (they wait for each other, or on a channel nobody will use): RuntimeError.
    // A scheduler runs once, like Python's asyncio.run() with its fresh loop.
    void run();

    // Who hears of exceptions that nobody joined; by default a line on stderr.
    void set_exception_handler(ExceptionHandler handler);

    std::size_t fiber_count() const noexcept { return live_.size(); }  // spawned, not finished
    static BasicScheduler* running() noexcept;                         // the scheduler in run() on this thread, if any

    // region: fiber-api
    // What a fiber can do, called from the fiber itself (anywhere else: RuntimeError).
    // Static, like std::this_thread::sleep_for: a function deep down a call chain can
    // call them without being handed the scheduler. That is "no function colouring".
    static void yield();                              // to the back of the run queue
    static void sleep_for(Clock::duration duration);  // parked until the time has passed
    static void sleep_until(Clock::time_point deadline);
    // Waits until `fiber` has finished; rethrows the exception it died of. Each fiber can
    // be joined once; joining yourself, or a fiber of another scheduler: errors.
    static void join(Handle const& fiber);

    // The running fiber's handle, or an empty one outside any fiber of this back-end.
    static Handle current();
    // For synchronisation primitives such as Channel: park() suspends the calling fiber
    // without queueing it anywhere; it runs again once someone calls wake() with its
    // handle, which puts it at the back of the run queue.
    static void park();
    static void wake(Handle const& fiber);
    // endregion

private:
    enum class State { ready, running, sleeping, parked, finished };

    // region: record
    struct Record {
        std::uint64_t id = 0;
        BasicScheduler* scheduler = nullptr;
        std::unique_ptr<Fiber> fiber;  // reset when it finishes: its stack is freed at once
        State state = State::ready;
        std::exception_ptr exception;  // what escaped the body
        bool joined = false;           // a join() has begun: a second one is an error
        Record* waiter = nullptr;      // the fiber parked in join() on this one
    };
    // endregion

    // region: helpers
    struct Sleeper {
        Clock::time_point deadline;
        Record* fiber;
    };

    class RunningGuard;                                   // sets and clears the thread's running scheduler around run()
    static BasicScheduler& from_fiber(char const* what);  // the caller's scheduler, or RuntimeError
    void switch_to_loop();                                // the running fiber gives the thread back to run()
    void make_ready(Record& fiber);
    void run_ready_fibers();                        // run-queue: resume each fiber that is ready now, once
    void step(Record& fiber);                       // resume one fiber until it suspends or finishes
    void finish(Record& fiber);                     // after its body has returned or thrown
    void wake_due_sleepers(Clock::time_point now);  // sleep
    void wait_for_earliest_deadline();              // sleep
    void report(Record const& fiber);
    void report_unretrieved();
    [[noreturn]] void stop_on_deadlock();
    // endregion

    // region: queues
    std::unordered_map<std::uint64_t, std::shared_ptr<Record>> live_;  // spawned, not finished
    std::deque<Record*> ready_;                                        // the run queue, FIFO
    std::list<Sleeper> sleepers_;                                      // sorted by deadline; chapter 07 uses a heap
    std::list<std::shared_ptr<Record>> unretrieved_;                   // died of an exception, not joined yet
    // endregion
    // region: running
    Record* running_ = nullptr;  // the fiber being resumed by step()
    std::uint64_t next_id_ = 1;
    // endregion
    enum class Phase { created, running, finished } phase_ = Phase::created;
    ExceptionHandler exception_handler_;
};

extern template class BasicScheduler<UcontextSwitch>;
extern template class BasicScheduler<AssemblySwitch>;

// The scheduler of the lesson programs. ucontext, because it works on every CPU and
// before the bonus step is done; the tests run every scheduler behaviour on both.
using DefaultSwitch = UcontextSwitch;
using Scheduler = BasicScheduler<DefaultSwitch>;

}  // namespace asyncio
