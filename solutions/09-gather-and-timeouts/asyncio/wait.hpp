// wait(tasks, {.timeout, .return_when}): wait until the first of them finishes, the
// first fails, or all are done, and say which are done and which are not (Python:
// asyncio.wait). as_completed(tasks): their results in the order they finish (Python:
// asyncio.as_completed). Chapter 09.
#pragma once

#include <asyncio/clock.hpp>
#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/gather.hpp>
#include <asyncio/timer_handle.hpp>

#include <concepts>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace asyncio {

// region: wait
enum class ReturnWhen { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::FIRST_COMPLETED;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::FIRST_EXCEPTION;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::ALL_COMPLETED;

// Python's keyword arguments, as designated initialisers: wait(tasks, {.timeout = 2s}).
struct WaitOptions {
    std::optional<Clock::duration> timeout = std::nullopt;  // none: no limit
    ReturnWhen return_when = ALL_COMPLETED;
};

namespace detail {
// Returns once `options` says the waiting is over, or at the timeout. ValueError if
// `futures` is empty.
Coro<void> wait_until(std::vector<FutureBase> futures, WaitOptions options);
}  // namespace detail

// (done, pending): the futures in the order given, split by whether they are done.
// Nothing is cancelled at the timeout: what is pending is the caller's to handle.
template <class F>
    requires std::derived_from<F, FutureBase>
Coro<std::pair<std::vector<F>, std::vector<F>>> wait(std::vector<F> futures, WaitOptions options = {}) {
    co_await detail::wait_until(std::vector<FutureBase>(futures.begin(), futures.end()), options);
    std::pair<std::vector<F>, std::vector<F>> split;
    for (F& future : futures) (future.done() ? split.first : split.second).push_back(std::move(future));
    co_return split;
}

// Python 3.11 stopped accepting coroutines here: a coroutine wrapped in a task by wait()
// would be in neither set the caller can recognise.
template <class T>
void wait(std::vector<Coro<T>>, WaitOptions = {}) {
    static_assert(sizeof(T*) == 0, "asyncio::wait: passing coroutines is forbidden, use tasks explicitly (create_task)");
}
// endregion

namespace detail {

// region: as-completed-state
// The futures that have finished, in that order, waiting to be handed out.
class AsCompletedState {
public:
    AsCompletedState(EventLoop& loop, std::size_t pending) : loop_(&loop), pending_(pending) {}
    static void start(std::shared_ptr<AsCompletedState> const& self, std::vector<FutureBase> const& futures,
                      std::optional<Clock::duration> timeout);
    // The next future to finish; TimeoutError once the timeout has passed and every
    // future that finished before it was handed out.
    static Coro<FutureBase> next_done(std::shared_ptr<AsCompletedState> self);

private:
    void on_completion(FutureBase const& future);
    void on_timeout();
    void wake();

    EventLoop* loop_;
    std::size_t pending_;            // not finished yet
    std::deque<FutureBase> done_;    // finished, not handed out yet
    std::optional<Future<void>> waiter_;
    bool timed_out_ = false;
    TimerHandle timer_;
};
// endregion

}  // namespace detail

// region: as-completed
// for (auto next : as_completed(std::move(tasks))) { int page = co_await next; ... }
// Each `next` is a coroutine: awaited, it gives the result of the next awaitable to
// finish (or raises its exception). All of them start at once, as with gather.
template <class T>
class AsCompleted {
public:
    AsCompleted(std::shared_ptr<detail::AsCompletedState> state, std::size_t count)
        : state_(std::move(state)), count_(count) {}

    std::size_t size() const noexcept { return count_; }
    Coro<T> next() const { return next_of(state_); }

    class iterator {
    public:
        using difference_type = std::ptrdiff_t;
        using value_type = Coro<T>;
        iterator() = default;
        iterator(AsCompleted const* range, std::size_t index) : range_(range), index_(index) {}
        Coro<T> operator*() const { return range_->next(); }
        iterator& operator++() {
            ++index_;
            return *this;
        }
        void operator++(int) { ++index_; }
        bool operator==(iterator const& other) const noexcept { return index_ == other.index_; }

    private:
        AsCompleted const* range_ = nullptr;
        std::size_t index_ = 0;
    };
    iterator begin() const { return {this, 0}; }
    iterator end() const { return {this, count_}; }

private:
    static Coro<T> next_of(std::shared_ptr<detail::AsCompletedState> state) {
        FutureBase const finished = co_await detail::AsCompletedState::next_done(std::move(state));
        co_return Future<T>(finished.state()).result();
    }

    std::shared_ptr<detail::AsCompletedState> state_;
    std::size_t count_;
};

template <FutureLike A>
[[nodiscard]] AsCompleted<awaited_t<A>> as_completed(std::vector<A> awaitables,
                                                     std::optional<Clock::duration> timeout = std::nullopt) {
    std::vector<FutureBase> const futures = detail::ensure_futures(awaitables);
    if (futures.empty()) return {nullptr, 0};
    auto state = std::make_shared<detail::AsCompletedState>(futures.front().get_loop(), futures.size());
    detail::AsCompletedState::start(state, futures, timeout);
    return {std::move(state), futures.size()};
}
// endregion

}  // namespace asyncio
