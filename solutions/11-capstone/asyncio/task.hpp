// Task<T>: a Coro<T> driven by the event loop, and a Future<T> of its result (Python's
// asyncio.Task). create_task starts one; the loop runs it a step at a time, each step
// running the coroutine until it waits for a future. Introduced in chapter 08; chapter 11
// records where each task was created and which coroutine function it runs, for debug
// mode's reports and the trace's rows.
#pragma once

#include <asyncio/call_site.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>

#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace asyncio {

namespace detail {

// region: task-state-base
// What a task is, whatever its T: a name, where its coroutine is suspended, the future
// it waits for, and a pending cancellation. TaskState<T> adds the Coro<T> and its value.
class TaskStateBase {
public:
    TaskStateBase(EventLoop& loop, std::string name, CallSite created_at);
    virtual ~TaskStateBase() = default;

    virtual FutureStateBase& future() noexcept = 0;
    // This task as a shared pointer, sharing ownership with its future state.
    std::shared_ptr<TaskStateBase> shared() { return {future().shared_from_this(), this}; }

    std::string const& name() const noexcept { return name_; }
    void set_name(std::string name) { name_ = std::move(name); }
    EventLoop& loop() const noexcept { return *loop_; }
    std::uint64_t id() const noexcept { return id_; }

    // region: task-sites
    // Chapter 11: where create_task was called, and the coroutine function the task runs
    // ("'fetch_data' (demo.cpp:40)"). A task created while its loop is in debug mode
    // shows both in its description, as Python's repr(task) shows coro= and created at.
    CallSite const& created_at() const noexcept { return created_at_; }
    CoroSite const& coroutine() const noexcept { return coroutine_; }
    bool created_in_debug_mode() const noexcept { return created_in_debug_mode_; }
    // endregion

    // Python's Task.cancel(msg): a request, answered by the coroutine at its next step.
    bool request_cancel(std::string message);

    // The awaiter's half (future.cpp): the coroutine `coroutine`, running in this task,
    // suspends until `future` is done.
    void wait_on(std::shared_ptr<FutureStateBase> future, std::coroutine_handle<> coroutine);
    // sleep(0): suspend for one iteration (Python: a bare `yield` in a task).
    void yield_now(std::coroutine_handle<> coroutine);
    // True, once, if this step must raise CancelledError where the coroutine is
    // suspended; the message goes into `message`.
    bool take_cancellation(std::string& message);

    void schedule_first_step();  // create_task: register with the loop, call_soon(step)
    void abandon() noexcept;     // the loop is closing with this task pending

    // The task running its step right now in this thread, or nullptr.
    static TaskStateBase* current() noexcept;

protected:
    CoroSite coroutine_;  // set by TaskState<T>, which knows the promise's type
    virtual void finish_with_coroutine_outcome() = 0;  // the body finished: keep its result
    virtual void destroy_coroutine() noexcept = 0;

    std::coroutine_handle<> resume_point_;  // where the next step resumes

private:
    void step();
    void wakeup();  // the awaited future is done: the next step

    EventLoop* loop_;
    std::string name_;
    std::uint64_t id_;
    CallSite created_at_;
    bool created_in_debug_mode_;
    std::shared_ptr<FutureStateBase> waiting_on_;  // the future this task waits for
    bool started_ = false;
    bool must_cancel_ = false;        // cancel() came while it waited on nothing cancellable
    bool deliver_cancel_ = false;     // this step raises CancelledError at the co_await
    std::string cancel_message_;
};
// endregion

template <class T>
class TaskState final : public FutureState<T>, public TaskStateBase {
public:
    TaskState(EventLoop& loop, Coro<T> coro, std::string name, CallSite created_at)
        : FutureState<T>(loop), TaskStateBase(loop, std::move(name), created_at), coro_(std::move(coro)),
          awaiter_(coro_->operator co_await()) {
        // Started as chapter 04's ManualScheduler::spawn starts one, with no continuation:
        // when the body finishes, its final awaiter returns to the step that resumed it.
        resume_point_ = awaiter_.await_suspend(std::noop_coroutine());
        // That is the Coro's own frame (it has not run yet): its promise knows the
        // coroutine function (chapter 08's CoroSite, made for the never-awaited warning).
        using Promise = typename Coro<T>::promise_type;
        coroutine_ = std::coroutine_handle<Promise>::from_address(resume_point_.address()).promise().site();
    }
    ~TaskState() override { this->report_unretrieved("Task exception was never retrieved"); }

    FutureStateBase& future() noexcept override { return *this; }
    TaskStateBase* task() noexcept override { return this; }
    bool cancel(std::string message) override { return request_cancel(std::move(message)); }
    std::string describe() const override;

private:
    // region: task-finish
    void finish_with_coroutine_outcome() override {
        try {
            if constexpr (std::is_void_v<T>) {
                awaiter_.await_resume();
                this->set_result();
            } else {
                this->set_result(awaiter_.await_resume());
            }
        } catch (CancelledError const& cancelled) {
            FutureStateBase::cancel(cancelled.message());
        } catch (...) {
            this->set_exception(std::current_exception());
        }
        destroy_coroutine();
    }
    // endregion

    void destroy_coroutine() noexcept override { coro_.reset(); }

    std::optional<Coro<T>> coro_;  // reset once finished, to free the frame at once
    typename Coro<T>::Awaiter awaiter_;
};

}  // namespace detail

// region: task
// A task of any result type: what current_task() and all_tasks() return.
class AnyTask : public FutureBase {
public:
    explicit AnyTask(std::shared_ptr<detail::FutureStateBase> state) : FutureBase(std::move(state)) {}
    std::string const& get_name() const { return state_->task()->name(); }
    void set_name(std::string name) { state_->task()->set_name(std::move(name)); }
};

template <class T = void>
class [[nodiscard]] Task : public Future<T> {
public:
    explicit Task(std::shared_ptr<detail::TaskState<T>> state) : Future<T>(std::move(state)) {}
    std::string const& get_name() const { return this->state_->task()->name(); }
    void set_name(std::string name) { this->state_->task()->set_name(std::move(name)); }
    operator AnyTask() const { return AnyTask(this->state_); }
};

// Wraps `coro` in a task of `loop` and schedules its first step with call_soon (Python:
// loop.create_task(coro, name=...)). The name defaults to "Task-N". The loop keeps a
// pending task alive, so it runs even if nobody holds its Task (unlike Python, where
// the loop keeps only a weak reference and a task nobody holds may vanish).
// Chapter 11: `where` records the caller's line, for debug mode.
template <class T>
Task<T> create_task(EventLoop& loop, Coro<T> coro, std::string name = {}, CallSite where = CallSite::current()) {
    auto state = std::make_shared<detail::TaskState<T>>(loop, std::move(coro), std::move(name), where);
    state->schedule_first_step();
    return Task<T>(std::move(state));
}

// The same on the running loop (Python: asyncio.create_task).
template <class T>
Task<T> create_task(Coro<T> coro, std::string name = {}, CallSite where = CallSite::current()) {
    return create_task(get_running_loop(), std::move(coro), std::move(name), where);
}

// The task whose step is running (Python: asyncio.current_task()); nullopt outside one.
std::optional<AnyTask> current_task();

// The tasks of `loop` that are not done yet, oldest first (Python: asyncio.all_tasks()).
std::vector<AnyTask> all_tasks(EventLoop& loop);
std::vector<AnyTask> all_tasks();  // of the running loop
// endregion

template <class T>
std::string detail::TaskState<T>::describe() const {
    std::string text = FutureStateBase::describe();  // "<Future pending>" etc.
    text.replace(1, 6, "Task");
    text.insert(text.size() - 1, " name='" + name() + "'");
    // Chapter 11: "<Task pending name='Task-2' coro='fetch_data' (demo.cpp:40) created at
    // demo.cpp:52>" for a task created in debug mode.
    if (created_in_debug_mode())
        text.insert(text.size() - 1, " coro=" + coroutine().describe() + " created at " + created_at().describe());
    return text;
}

// region: run-until-complete
// Declared in event_loop.hpp: runs the loop until `future` is done, then returns its
// result or rethrows its exception (Python: loop.run_until_complete).
template <class T>
T EventLoop::run_until_complete(Future<T> future) {
    if (is_running()) throw RuntimeError("This event loop is already running");
    if (&future.get_loop() != this) throw RuntimeError("The future belongs to a different loop than the one given");
    std::uint64_t const stopper = future.add_done_callback([this](FutureBase const&) { stop(); });
    try {
        run_forever();
    } catch (...) {
        future.remove_done_callback(stopper);
        throw;
    }
    future.remove_done_callback(stopper);
    if (!future.done()) throw RuntimeError("Event loop stopped before Future completed.");
    if constexpr (std::is_void_v<T>)
        future.result();
    else
        return future.result();
}

template <class T>
T EventLoop::run_until_complete(Coro<T> coro) {
    return run_until_complete(static_cast<Future<T>>(create_task(*this, std::move(coro))));
}
// endregion

}  // namespace asyncio
