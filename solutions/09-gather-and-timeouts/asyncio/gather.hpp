// gather(aw...): run awaitables concurrently and wait for all of them, the results in
// argument order whatever order they finish in (Python: asyncio.gather). ensure_future
// makes a coroutine a task first, so that it runs while the others do. Chapter 09.
#pragma once

#include <asyncio/coro.hpp>
#include <asyncio/event_loop.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/future.hpp>
#include <asyncio/result.hpp>
#include <asyncio/task.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace asyncio {

// region: ensure-future
// A Future<T> (and so a Task<T>) is awaited as it is; a Coro<T> is wrapped in a task of
// the running loop, which starts it at the loop's next iteration (Python's ensure_future).
template <class T>
Future<T> ensure_future(Future<T> future) {
    return future;
}
template <class T>
Task<T> ensure_future(Task<T> task) {
    return task;
}
template <class T>
Task<T> ensure_future(Coro<T> coro) {
    return create_task(std::move(coro));
}
// endregion

namespace detail {

template <class A>
struct AwaitedType {};
template <class T>
struct AwaitedType<Future<T>> { using type = T; };
template <class T>
struct AwaitedType<Task<T>> { using type = T; };
template <class T>
struct AwaitedType<Coro<T>> { using type = T; };

}  // namespace detail

// What gather, wait_for and as_completed accept: a Coro<T>, a Task<T> or a Future<T>.
template <class A>
concept FutureLike = requires { typename detail::AwaitedType<std::remove_cvref_t<A>>::type; };
template <FutureLike A>
using awaited_t = typename detail::AwaitedType<std::remove_cvref_t<A>>::type;

// A void child has no value: its place in the results holds an empty std::monostate.
template <class T>
using GatherValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// gather(return_exceptions, ...): every child's outcome lands in its slot, value or
// exception, instead of the first exception failing the gather.
struct ReturnExceptions {
    explicit ReturnExceptions() = default;
};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

// region: gather-core
// The gathering, whatever the types of the children: counting them as they finish,
// failing early or waiting for all, and cancelling them. GatheringState<R, Slots>
// (below) adds the slots the outcomes are kept in, and the outer future itself.
class GatherCore {
public:
    GatherCore(std::size_t children, bool return_exceptions) : count_(children), return_exceptions_(return_exceptions) {}
    virtual ~GatherCore() = default;

    // Registers `child`, whose outcome goes into slot `slot`. The callback keeps the
    // gathering alive; the gathering keeps only a weak reference to the child, so that
    // nothing here forms a cycle with a task a closing loop abandons.
    static void watch(std::shared_ptr<GatherCore> const& self, FutureBase child, std::size_t slot);

    // A child's done-callback.
    void child_done(FutureBase const& child, std::size_t slot);
    // Python's _GatheringFuture.cancel: cancel every child still running.
    bool cancel_children(std::string const& message);

protected:
    virtual FutureStateBase& outer() noexcept = 0;
    virtual void store(std::size_t slot, FutureBase const& child) = 0;  // the child's outcome into its slot
    virtual void complete() = 0;                                        // every slot is filled: the results
    virtual void fail(std::exception_ptr error) = 0;                    // the gather raises `error`

private:
    // A child was cancelled, or the gather was and every child is done.
    void end_cancelled(std::string const& message);

    std::vector<std::weak_ptr<FutureStateBase>> children_;
    std::size_t count_;
    std::size_t finished_ = 0;
    bool return_exceptions_;
    bool cancel_requested_ = false;  // cancel() reached a child: the gather ends cancelled
    std::string cancel_message_;
};
// endregion

// The outcome of a finished child, copied into its slot: its value, its exception, or
// CancelledError (with the cancel message) if it was cancelled.
template <class T>
void copy_outcome(Result<T>& slot, FutureBase const& child) {
    if (child.cancelled()) {
        slot.set_exception(std::make_exception_ptr(CancelledError(child.state()->cancel_message())));
    } else if (std::exception_ptr const error = child.exception()) {
        slot.set_exception(error);
    } else if constexpr (std::is_void_v<T>) {
        slot.set_value();
    } else {
        slot.set_value(Future<T>(child.state()).result());
    }
}

template <class T>
GatherValue<T> take_value(Result<T>& slot) {
    if constexpr (std::is_void_v<T>) {
        slot.take();
        return {};
    } else {
        return slot.take();
    }
}

template <class T>
void store_slot(std::vector<Result<T>>& slots, std::size_t slot, FutureBase const& child) {
    copy_outcome(slots[slot], child);
}

// A tuple's element is chosen at compile time, the slot at run time: try each index.
template <class... T>
void store_slot(std::tuple<Result<T>...>& slots, std::size_t slot, FutureBase const& child) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((I == slot ? copy_outcome(std::get<I>(slots), child) : void()), ...);
    }(std::index_sequence_for<T...>{});
}

// The slots become the results: as they are with return_exceptions, else their values.
template <class R, class T>
R take_results(std::vector<Result<T>>& slots) {
    if constexpr (std::is_same_v<R, std::vector<Result<T>>>) {
        return std::move(slots);
    } else {
        R results;
        results.reserve(slots.size());
        for (Result<T>& slot : slots) results.push_back(take_value(slot));
        return results;
    }
}

template <class R, class... T>
R take_results(std::tuple<Result<T>...>& slots) {
    if constexpr (std::is_same_v<R, std::tuple<Result<T>...>>)
        return std::move(slots);
    else
        return std::apply([](Result<T>&... slot) { return R{take_value(slot)...}; }, slots);
}

// region: gathering-state
// The future gather returns (Python's _GatheringFuture): a Future<R> whose cancel()
// cancels the children instead of the future itself.
template <class R, class Slots>
class GatheringState final : public FutureState<R>, public GatherCore {
public:
    GatheringState(EventLoop& loop, Slots slots, std::size_t children, bool return_exceptions)
        : FutureState<R>(loop), GatherCore(children, return_exceptions), slots_(std::move(slots)) {}

    bool cancel(std::string message) override {
        if (this->done()) return false;
        return cancel_children(message);
    }

private:
    FutureStateBase& outer() noexcept override { return *this; }
    void store(std::size_t slot, FutureBase const& child) override { store_slot(slots_, slot, child); }
    void complete() override { this->set_result(take_results<R>(slots_)); }
    void fail(std::exception_ptr error) override { this->set_exception(std::move(error)); }

    Slots slots_;
};
// endregion

// The loop of the first future, else the running loop (gather of nothing).
EventLoop& gather_loop(FutureBase const* first);

template <class R, class Slots>
Future<R> gather_futures(std::vector<FutureBase> const& children, Slots slots, bool return_exceptions) {
    EventLoop& loop = gather_loop(children.empty() ? nullptr : &children.front());
    auto state = std::make_shared<GatheringState<R, Slots>>(loop, std::move(slots), children.size(), return_exceptions);
    for (std::size_t slot = 0; slot < children.size(); ++slot) GatherCore::watch(state, children[slot], slot);
    if (children.empty()) state->set_result(R{});  // nothing to wait for: done at once
    return Future<R>(std::move(state));
}

template <bool return_exceptions, class... T>
auto gather_tuple(std::vector<FutureBase> const& children) {
    static_assert((!std::is_reference_v<T> && ...), "gather: a child's result may not be a reference");
    using Slots = std::tuple<Result<T>...>;
    using R = std::conditional_t<return_exceptions, Slots, std::tuple<GatherValue<T>...>>;
    return gather_futures<R>(children, Slots{}, return_exceptions);
}

template <bool return_exceptions, class T>
auto gather_vector(std::vector<FutureBase> const& children) {
    static_assert(!std::is_reference_v<T>, "gather: a child's result may not be a reference");
    using Slots = std::vector<Result<T>>;
    using R = std::conditional_t<return_exceptions, Slots, std::vector<GatherValue<T>>>;
    return gather_futures<R>(children, Slots(children.size()), return_exceptions);
}

// The children as futures, made in argument order: a braced list is evaluated left to
// right (function arguments are not), so the first coroutine's task starts first.
template <class... A>
std::vector<FutureBase> ensure_futures(A... awaitables) {
    return std::vector<FutureBase>{FutureBase(ensure_future(std::move(awaitables)))...};
}

template <class A>
std::vector<FutureBase> ensure_futures(std::vector<A>& awaitables) {
    std::vector<FutureBase> futures;
    futures.reserve(awaitables.size());
    for (A& awaitable : awaitables) futures.push_back(ensure_future(std::move(awaitable)));
    return futures;
}

}  // namespace detail

// region: gather
// co_await gather(a(), b(), task): a std::tuple of the results, in argument order.
// The first exception (or cancellation) of a child is raised by the gather at once;
// the other children go on running (as in Python: a TaskGroup would cancel them).
template <FutureLike... A>
[[nodiscard]] Future<std::tuple<GatherValue<awaited_t<A>>...>> gather(A... awaitables) {
    return detail::gather_tuple<false, awaited_t<A>...>(detail::ensure_futures(std::move(awaitables)...));
}

// co_await gather(return_exceptions, a(), b()): a std::tuple of Result<T>, each holding
// its child's value, or its exception (CancelledError for a cancelled child).
template <FutureLike... A>
[[nodiscard]] Future<std::tuple<Result<awaited_t<A>>...>> gather(ReturnExceptions, A... awaitables) {
    return detail::gather_tuple<true, awaited_t<A>...>(detail::ensure_futures(std::move(awaitables)...));
}

// co_await gather(std::move(coros)): any number of the same kind, a std::vector of the
// results in the vector's order (Python: gather(*coros)).
template <FutureLike A>
[[nodiscard]] Future<std::vector<GatherValue<awaited_t<A>>>> gather(std::vector<A> awaitables) {
    return detail::gather_vector<false, awaited_t<A>>(detail::ensure_futures(awaitables));
}

template <FutureLike A>
[[nodiscard]] Future<std::vector<Result<awaited_t<A>>>> gather(ReturnExceptions, std::vector<A> awaitables) {
    return detail::gather_vector<true, awaited_t<A>>(detail::ensure_futures(awaitables));
}
// endregion

}  // namespace asyncio
