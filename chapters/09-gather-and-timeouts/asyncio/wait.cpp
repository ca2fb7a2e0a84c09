// wait and as_completed, following CPython's Lib/asyncio/tasks.py (_wait, as_completed).
#include <asyncio/wait.hpp>

#include <asyncio/todo.hpp>

#include <cstdint>

namespace asyncio {

namespace detail {

namespace {

// The waiting's state, shared with the done-callbacks: one of them may already be in the
// ready queue when the waiting coroutine is cancelled and its frame destroyed, and
// remove_done_callback cannot take back a callback that call_soon has scheduled.
struct WaitCounter {
    Future<void> waiter;
    std::size_t remaining;
    ReturnWhen return_when;
};

// However wait_until ends, its callbacks and its timer go.
struct ForgetCallbacks {
    std::vector<FutureBase> const& futures;
    std::vector<std::uint64_t> ids;
    TimerHandle timer{};
    ~ForgetCallbacks() {
        timer.cancel();
        for (std::size_t i = 0; i < ids.size(); ++i) futures[i].state()->remove_done_callback(ids[i]);
    }
};

}  // namespace

// region: wait-until
Coro<void> wait_until(std::vector<FutureBase> futures, WaitOptions options) {
    if (futures.empty()) throw ValueError("Set of Tasks/Futures is empty.");
    EventLoop& loop = futures.front().get_loop();
    Future<void> waiter(loop);
    auto counter = std::make_shared<WaitCounter>(WaitCounter{waiter, futures.size(), options.return_when});
    ForgetCallbacks forget{futures, {}};
    // TODO(wait): Give every future a done-callback that counts it and releases the waiter when the waiting is over: the last one, any one with FIRST_COMPLETED, one that failed (not cancelled) with FIRST_EXCEPTION. Keep the ids in `forget`; with a timeout, a timer releases it too. Await the waiter.
    (void)counter;
    throw_todo("ch09", "wait");
    co_return;
}
// endregion

// region: as-completed-impl
void AsCompletedState::start(std::shared_ptr<AsCompletedState> const& self, std::vector<FutureBase> const& futures,
                             std::optional<Clock::duration> timeout) {
    for (FutureBase future : futures)
        future.add_done_callback([self](FutureBase const& done) { self->on_completion(done); });
    // The timer holds the state weakly: the state holds the timer (to cancel it), and a
    // fired timer keeps its callback, so a strong capture would be a cycle never freed.
    if (timeout) {
        self->timer_ = self->loop_->call_later(*timeout, [weak = std::weak_ptr(self)] {
            if (auto const state = weak.lock()) state->on_timeout();
        });
    }
}

void AsCompletedState::on_completion(FutureBase const& future) {
    // TODO(as-completed): After the timeout, ignore it. Else queue it in done_, count it off pending_ (the last one cancels the timer), and wake the waiter.
    (void)future;
    throw_todo("ch09", "as-completed");
}

void AsCompletedState::on_timeout() {
    timed_out_ = true;
    wake();
}

void AsCompletedState::wake() {
    if (waiter_ && !waiter_->done()) waiter_->set_result();
}

Coro<FutureBase> AsCompletedState::next_done(std::shared_ptr<AsCompletedState> self) {
    // TODO(as-completed): Until a finished future is queued: raise TimeoutError if the timeout has passed, else await a waiter (a new one if there is none or it is done: several nexts may wait at once). Then hand out the oldest.
    (void)self;
    throw_todo("ch09", "as-completed");
    co_return FutureBase(nullptr);
}
// endregion

}  // namespace detail

}  // namespace asyncio
