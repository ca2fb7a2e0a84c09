// How a task runs its coroutine a step at a time, following CPython's Lib/asyncio/tasks.py
// (Task.__step, Task.__wakeup and Task.cancel); where we differ, a comment says why.
// Chapter 11: a step tells an instrumented loop which task it is running.
#include <asyncio/task.hpp>

#include <fmt/core.h>

#include <atomic>
#include <utility>

namespace asyncio {

namespace {

thread_local detail::TaskStateBase* running_task = nullptr;  // for current_task()
std::atomic<std::uint64_t> task_counter{0};                  // Task-1, Task-2, ... as in Python

// Sets the current task for the length of a step, whatever way the step ends.
class CurrentTaskScope {
public:
    explicit CurrentTaskScope(detail::TaskStateBase* task) noexcept : previous_(std::exchange(running_task, task)) {}
    ~CurrentTaskScope() { running_task = previous_; }
    CurrentTaskScope(CurrentTaskScope const&) = delete;
    CurrentTaskScope& operator=(CurrentTaskScope const&) = delete;

private:
    detail::TaskStateBase* previous_;
};

}  // namespace

namespace detail {

TaskStateBase::TaskStateBase(EventLoop& loop, std::string name, CallSite created_at)
    : loop_(&loop), name_(std::move(name)), id_(++task_counter), created_at_(created_at),
      created_in_debug_mode_(loop.get_debug()) {
    if (name_.empty()) name_ = "Task-" + std::to_string(id_);
}

TaskStateBase* TaskStateBase::current() noexcept { return running_task; }

void TaskStateBase::schedule_first_step() {
    auto self = shared();
    loop_->call_soon([self] { self->step(); });  // raises on a closed loop, before registering
    loop_->tasks_.emplace(id_, std::move(self));
}

// region: step
// One step: resume the coroutine where it is suspended, and see how it stopped.
void TaskStateBase::step() {
    // Done already, or abandoned by a closing loop (its frame is gone) and woken by a
    // future that someone completed afterwards: nothing to resume.
    if (future().done() || !resume_point_) return;
    if (must_cancel_) {
        must_cancel_ = false;
        if (!started_) {
            // Python throws CancelledError into a coroutine that never started: its body
            // never runs. Ours is simply never resumed.
            FutureStateBase& state = future();
            state.FutureStateBase::cancel(cancel_message_);
            destroy_coroutine();
            loop_->tasks_.erase(id_);
            return;
        }
        deliver_cancel_ = true;
    }
    started_ = true;
    std::coroutine_handle<> const coroutine = std::exchange(resume_point_, {});
    // Chapter 11: debug mode and the trace name this task, not the callback that woke it.
    if (loop_->instrumented_) loop_->stepping_ = shared();
    {
        CurrentTaskScope scope(this);
        coroutine.resume();  // runs until the coroutine awaits a pending future, or ends
    }
    if (resume_point_) return;  // suspended: wait_on or yield_now arranged the next step
    // Finished (its final awaiter returned to us). A cancel() that came during this last
    // step wins over the result, as in Python.
    if (must_cancel_) {
        must_cancel_ = false;
        FutureStateBase& state = future();
        state.FutureStateBase::cancel(cancel_message_);
        destroy_coroutine();
    } else {
        finish_with_coroutine_outcome();
    }
    loop_->tasks_.erase(id_);
}
// endregion

// region: wait-on
void TaskStateBase::wait_on(std::shared_ptr<FutureStateBase> future, std::coroutine_handle<> coroutine) {
    resume_point_ = coroutine;
    waiting_on_ = future;
    future->add_done_callback([self = shared()](FutureBase const&) { self->wakeup(); });
    // cancel() during this step, before the coroutine waited on anything: pass it on.
    if (must_cancel_ && waiting_on_->cancel(cancel_message_)) must_cancel_ = false;
}

void TaskStateBase::wakeup() {
    waiting_on_.reset();
    step();  // the awaiter's await_resume reads the future's outcome (or its cancellation)
}
// endregion

void TaskStateBase::yield_now(std::coroutine_handle<> coroutine) {
    resume_point_ = coroutine;
    loop_->call_soon([self = shared()] { self->step(); });
}

// region: request-cancel
bool TaskStateBase::request_cancel(std::string message) {
    if (future().done()) return false;
    if (waiting_on_ && waiting_on_->cancel(message)) {
        // The awaited future's done-callback wakes this task, and its awaiter raises
        // CancelledError at the co_await. (A task waiting on a task cancels that one.)
        return true;
    }
    must_cancel_ = true;
    cancel_message_ = std::move(message);
    return true;
}
// endregion

bool TaskStateBase::take_cancellation(std::string& message) {
    if (!deliver_cancel_) return false;
    deliver_cancel_ = false;
    message = cancel_message_;
    return true;
}

void TaskStateBase::abandon() noexcept {
    try {
        loop_->call_exception_handler({"Task was destroyed but it is pending! " + future().describe(), {}, {}});
    } catch (...) {
    }
    waiting_on_.reset();
    resume_point_ = {};
    destroy_coroutine();
}

}  // namespace detail

std::optional<AnyTask> current_task() {
    detail::TaskStateBase* const task = detail::TaskStateBase::current();
    if (task == nullptr) return std::nullopt;
    return AnyTask(task->future().shared_from_this());
}

std::vector<AnyTask> all_tasks(EventLoop& loop) {
    std::vector<AnyTask> tasks;
    for (auto const& task : pending_tasks(loop)) tasks.emplace_back(task->future().shared_from_this());
    return tasks;
}

std::vector<AnyTask> all_tasks() { return all_tasks(get_running_loop()); }

}  // namespace asyncio
