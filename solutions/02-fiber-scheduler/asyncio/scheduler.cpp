// BasicScheduler (chapter 02): the run queue, join, the sorted list of sleepers, and the
// loop that drives them. Both back-ends are compiled here, at the bottom of the file.
#include <asyncio/exceptions.hpp>
#include <asyncio/scheduler.hpp>
#include <asyncio/todo.hpp>

#include <fmt/core.h>

#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace asyncio {
namespace {

// The scheduler whose run() is active on this thread (one per back-end). Saved and
// restored by run(), so a fiber may run a scheduler of its own inside it.
template <ContextSwitch S>
thread_local BasicScheduler<S>* running_scheduler = nullptr;

std::string describe(std::exception_ptr const& exception) {
    try {
        std::rethrow_exception(exception);
    } catch (std::exception const& error) {
        return error.what();
    } catch (...) {
        return "an exception not derived from std::exception";
    }
}

}  // namespace

template <ContextSwitch Switch>
bool BasicScheduler<Switch>::Handle::done() const noexcept {
    return record_ != nullptr && record_->state == State::finished;
}

template <ContextSwitch Switch>
std::uint64_t BasicScheduler<Switch>::Handle::id() const noexcept {
    return record_ != nullptr ? record_->id : 0;
}

template <ContextSwitch Switch>
BasicScheduler<Switch>* BasicScheduler<Switch>::running() noexcept {
    return running_scheduler<Switch>;
}

template <ContextSwitch Switch>
void BasicScheduler<Switch>::set_exception_handler(ExceptionHandler handler) {
    exception_handler_ = std::move(handler);
}

// ---------------------------------------------------------------------------------------
// The loop

// While run() runs, its scheduler is the thread's running scheduler. Whatever way run()
// ends (also by an exception), it is over: no more spawning, no second run.
template <ContextSwitch Switch>
class BasicScheduler<Switch>::RunningGuard {
public:
    explicit RunningGuard(BasicScheduler& self) : self_(self), outer_(std::exchange(running_scheduler<Switch>, &self)) {
        self_.phase_ = Phase::running;
    }
    ~RunningGuard() {
        running_scheduler<Switch> = outer_;
        self_.phase_ = Phase::finished;
    }
    RunningGuard(RunningGuard const&) = delete;
    RunningGuard& operator=(RunningGuard const&) = delete;

private:
    BasicScheduler& self_;
    BasicScheduler* outer_;
};

// region: run
template <ContextSwitch Switch>
void BasicScheduler<Switch>::run() {
    if (phase_ == Phase::running) throw RuntimeError("Scheduler::run(): this scheduler is already running");
    if (phase_ == Phase::finished)
        throw RuntimeError("Scheduler::run(): this scheduler has run already; make a new one");
    RunningGuard running(*this);

    // region: run-loop
    while (!live_.empty()) {
        // Reading the clock costs about 25 ns on this course's VM, a third of a yield:
        // only when someone sleeps.
        if (!sleepers_.empty()) wake_due_sleepers(Clock::now());
        if (ready_.empty()) {
            // Nothing can run. If nobody sleeps either, the fibers left wait for each other.
            if (sleepers_.empty()) stop_on_deadlock();
            wait_for_earliest_deadline();  // the thread blocks: no busy loop
            continue;
        }
        run_ready_fibers();
    }
    report_unretrieved();
    // endregion
}
// endregion

// BEGIN EXERCISE run-queue: Resume each fiber that is in the run queue now, in FIFO order, once.
// region: run-ready
template <ContextSwitch Switch>
void BasicScheduler<Switch>::run_ready_fibers() {
    // Only those that are ready now, as CPython's _run_once does: a fiber that yields goes
    // to the back and runs in the next round, after the sleepers' deadlines are checked
    // again. Looping until the queue is empty would starve the sleepers forever.
    for (auto count = ready_.size(); count > 0; --count) {
        Record* const fiber = ready_.front();
        ready_.pop_front();
        step(*fiber);
    }
}
// endregion
// STUB
// template <ContextSwitch Switch>
// void BasicScheduler<Switch>::run_ready_fibers() {
//     throw_todo("ch02", "run-queue");
// }
// END EXERCISE

// region: step
template <ContextSwitch Switch>
void BasicScheduler<Switch>::step(Record& fiber) {
    fiber.state = State::running;
    running_ = &fiber;
    try {
        fiber.fiber->resume();  // returns when the fiber yields, sleeps, parks or finishes
    } catch (...) {
        fiber.exception = std::current_exception();  // it escaped the body: the fiber is done
    }
    running_ = nullptr;
    // A fiber that suspended has already put itself where it belongs (the run queue, the
    // sleepers, a waiter slot); the loop needs no "why did you stop" protocol.
    if (fiber.fiber->done()) finish(fiber);
}
// endregion

template <ContextSwitch Switch>
void BasicScheduler<Switch>::finish(Record& fiber) {
    fiber.state = State::finished;
    fiber.fiber.reset();  // frees the stack now, not when the last handle goes
    // BEGIN EXERCISE join: Wake the fiber waiting in join() on this one, if any.
    // region: wake-waiter
    if (fiber.waiter != nullptr) make_ready(*std::exchange(fiber.waiter, nullptr));
    // endregion
    // STUB
    // END EXERCISE
    auto const position = live_.find(fiber.id);
    std::shared_ptr<Record> record = std::move(position->second);
    live_.erase(position);
    // region: unretrieved
    // An exception nobody will see is a bug nobody will find: report it (Python logs
    // "Task exception was never retrieved"). Right now if no handle is left to join
    // with; otherwise when run() ends, if nobody has joined by then.
    if (record->exception && !record->joined) {
        if (record.use_count() == 1)
            report(*record);
        else
            unretrieved_.push_back(std::move(record));
    }
    // endregion
}

// ---------------------------------------------------------------------------------------
// Spawning, and what a fiber can do

// BEGIN EXERCISE run-queue: Create the fiber and its record, remember it in live_, and queue it.
// region: spawn
template <ContextSwitch Switch>
auto BasicScheduler<Switch>::spawn(std::function<void()> body, std::size_t stack_size) -> Handle {
    if (phase_ == Phase::finished) throw RuntimeError("Scheduler::spawn(): the scheduler has finished running");
    auto record = std::make_shared<Record>();
    record->id = next_id_++;
    record->scheduler = this;
    record->fiber = std::make_unique<Fiber>(std::move(body), stack_size);
    live_.emplace(record->id, record);
    make_ready(*record);
    return Handle(std::move(record));
}
// endregion
// STUB
// template <ContextSwitch Switch>
// auto BasicScheduler<Switch>::spawn(std::function<void()> body, std::size_t stack_size) -> Handle {
//     (void)body;
//     (void)stack_size;
//     throw_todo("ch02", "run-queue");
// }
// END EXERCISE

template <ContextSwitch Switch>
void BasicScheduler<Switch>::make_ready(Record& fiber) {
    fiber.state = State::ready;
    ready_.push_back(&fiber);
}

// region: from-fiber
template <ContextSwitch Switch>
auto BasicScheduler<Switch>::from_fiber(char const* what) -> BasicScheduler& {
    BasicScheduler* const self = running_scheduler<Switch>;
    if (self == nullptr || self->running_ == nullptr)
        throw RuntimeError(
            fmt::format("Scheduler::{}() called outside a fiber: it suspends the calling fiber, "
                        "and only a fiber spawned on a running scheduler can be suspended",
                        what));
    // A fiber of ours that resumed a plain Fiber of its own, which now calls us: switching
    // "the current fiber" out would switch the wrong stack.
    if (Fiber::current() != self->running_->fiber.get())
        throw RuntimeError(fmt::format("Scheduler::{}() called from a fiber this scheduler did not spawn", what));
    return *self;
}
// endregion

template <ContextSwitch Switch>
void BasicScheduler<Switch>::switch_to_loop() {
    Fiber::yield();  // chapter 01's yield: back to the resumer, which is step()
}

// BEGIN EXERCISE run-queue: Put the running fiber at the back of the run queue and switch to the loop.
// region: yield
template <ContextSwitch Switch>
void BasicScheduler<Switch>::yield() {
    BasicScheduler& self = from_fiber("yield");
    self.make_ready(*self.running_);
    self.switch_to_loop();
}
// endregion
// STUB
// template <ContextSwitch Switch>
// void BasicScheduler<Switch>::yield() {
//     throw_todo("ch02", "run-queue");
// }
// END EXERCISE

template <ContextSwitch Switch>
auto BasicScheduler<Switch>::current() -> Handle {
    BasicScheduler* const self = running_scheduler<Switch>;
    if (self == nullptr || self->running_ == nullptr) return Handle();
    return Handle(self->live_.at(self->running_->id));
}

template <ContextSwitch Switch>
void BasicScheduler<Switch>::park() {
    BasicScheduler& self = from_fiber("park");
    self.running_->state = State::parked;
    self.switch_to_loop();
}

template <ContextSwitch Switch>
void BasicScheduler<Switch>::wake(Handle const& fiber) {
    if (!fiber) throw std::invalid_argument("Scheduler::wake(): the handle refers to no fiber");
    Record& record = *fiber.record_;
    if (record.state != State::parked)
        throw InvalidStateError(fmt::format("Scheduler::wake(): fiber #{} is not parked", record.id));
    record.scheduler->make_ready(record);
}

// BEGIN EXERCISE join: Refuse misuse; unless the target has finished, park as its waiter; rethrow its exception.
// region: join
template <ContextSwitch Switch>
void BasicScheduler<Switch>::join(Handle const& fiber) {
    BasicScheduler& self = from_fiber("join");
    if (!fiber) throw std::invalid_argument("Scheduler::join(): the handle refers to no fiber");
    Record& target = *fiber.record_;
    if (target.scheduler != &self) throw RuntimeError("Scheduler::join(): that fiber belongs to another scheduler");
    if (&target == self.running_)
        throw RuntimeError("Scheduler::join(): a fiber cannot join itself (it would wait forever)");
    if (target.joined)
        throw InvalidStateError(fmt::format("Scheduler::join(): fiber #{} was joined already", target.id));
    target.joined = true;
    if (target.state != State::finished) {
        target.waiter = self.running_;
        park();  // finish() of the target makes us ready again
    }
    if (target.exception) std::rethrow_exception(target.exception);
}
// endregion
// STUB
// template <ContextSwitch Switch>
// void BasicScheduler<Switch>::join(Handle const& fiber) {
//     (void)fiber;
//     throw_todo("ch02", "join");
// }
// END EXERCISE

// ---------------------------------------------------------------------------------------
// Sleeping

template <ContextSwitch Switch>
void BasicScheduler<Switch>::sleep_for(Clock::duration duration) {
    sleep_until(Clock::now() + duration);
}

// BEGIN EXERCISE sleep: Insert the fiber into sleepers_ in deadline order (FIFO for equal ones), then switch out.
// region: sleep-until
template <ContextSwitch Switch>
void BasicScheduler<Switch>::sleep_until(Clock::time_point deadline) {
    BasicScheduler& self = from_fiber("sleep_until");
    // Walk from the back: a new deadline is usually the latest one. Stopping at the first
    // deadline that is not later keeps fibers with equal deadlines in FIFO order.
    auto position = self.sleepers_.end();
    while (position != self.sleepers_.begin() && std::prev(position)->deadline > deadline) --position;
    self.sleepers_.insert(position, Sleeper{deadline, self.running_});
    self.running_->state = State::sleeping;
    self.switch_to_loop();
}
// endregion
// STUB
// template <ContextSwitch Switch>
// void BasicScheduler<Switch>::sleep_until(Clock::time_point deadline) {
//     (void)deadline;
//     throw_todo("ch02", "sleep");
// }
// END EXERCISE

// BEGIN EXERCISE sleep: Move every sleeper whose deadline has come to the run queue, earliest first.
// region: wake-sleepers
template <ContextSwitch Switch>
void BasicScheduler<Switch>::wake_due_sleepers(Clock::time_point now) {
    while (!sleepers_.empty() && sleepers_.front().deadline <= now) {
        make_ready(*sleepers_.front().fiber);
        sleepers_.pop_front();
    }
}
// endregion
// STUB
// template <ContextSwitch Switch>
// void BasicScheduler<Switch>::wake_due_sleepers(Clock::time_point now) {
//     (void)now;
// }
// END EXERCISE

// BEGIN EXERCISE sleep: Block the thread until the earliest sleeper's deadline.
// region: wait
template <ContextSwitch Switch>
void BasicScheduler<Switch>::wait_for_earliest_deadline() {
    // Nothing else can happen meanwhile: no fiber runs, and (until chapter 05) nothing
    // from outside can wake one. So the thread may simply sleep. Chapter 05's event loop
    // waits in select() instead, which also wakes up when a socket becomes ready.
    std::this_thread::sleep_until(sleepers_.front().deadline);
}
// endregion
// STUB
// template <ContextSwitch Switch>
// void BasicScheduler<Switch>::wait_for_earliest_deadline() {
//     throw_todo("ch02", "sleep");
// }
// END EXERCISE

// ---------------------------------------------------------------------------------------
// Errors nobody joined, deadlocks, destruction

template <ContextSwitch Switch>
void BasicScheduler<Switch>::report(Record const& fiber) {
    ExceptionContext context{
        fmt::format("Fiber exception was never retrieved: fiber #{} died of: {}", fiber.id, describe(fiber.exception)),
        fiber.exception, fiber.id};
    if (exception_handler_)
        exception_handler_(context);
    else
        fmt::print(stderr, "asyncio: {}\n", context.message);
}

template <ContextSwitch Switch>
void BasicScheduler<Switch>::report_unretrieved() {
    auto failed = std::move(unretrieved_);
    unretrieved_.clear();
    for (auto const& record : failed)
        if (!record->joined) report(*record);
}

template <ContextSwitch Switch>
void BasicScheduler<Switch>::stop_on_deadlock() {
    report_unretrieved();
    throw RuntimeError(
        fmt::format("Scheduler::run(): deadlock: {} fiber(s) wait (in join() or park()) and no fiber "
                    "is ready or sleeping that could wake them",
                    live_.size()));
}

template <ContextSwitch Switch>
BasicScheduler<Switch>::~BasicScheduler() {
    ready_.clear();
    sleepers_.clear();
    // Destroy the unfinished fibers one by one: each destruction unwinds that fiber's
    // stack, running the destructors of its objects (which must not call us back).
    for (auto& [id, record] : live_) {
        record->fiber.reset();
        record->state = State::finished;
        record->waiter = nullptr;
    }
    live_.clear();
}

// region: instantiations
template class BasicScheduler<UcontextSwitch>;
template class BasicScheduler<AssemblySwitch>;
// endregion

}  // namespace asyncio
