// Handle: a callback scheduled on the event loop, which its owner can cancel (Python's
// asyncio.Handle). Introduced in chapter 05, opened to TimerHandle in chapter 07; chapter
// 12 keeps its API and behaviour and changes its inside: one pooled node per callback
// (refcount, flags, call site, and the callable itself stored inline), instead of a
// make_shared state that holds a std::function.
#pragma once

#include <asyncio/call_site.hpp>
#include <asyncio/clock.hpp>
#include <asyncio/todo.hpp>

#include <fmt/core.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASYNCIO_POOL_POISON 1
#endif
#endif
#if !defined(ASYNCIO_POOL_POISON) && defined(__SANITIZE_ADDRESS__)
#define ASYNCIO_POOL_POISON 1
#endif
#ifdef ASYNCIO_POOL_POISON
#include <sanitizer/asan_interface.h>
#endif

namespace asyncio {

// What the loop runs, when it is given as a std::function (add_reader, call_at, and any
// caller that has one). call_soon takes any callable and keeps it as it is.
using Callback = std::function<void()>;

class EventLoop;
class TimerQueue;

namespace detail {

// region: callable-ops
// How a node calls and destroys its callable without knowing its type: one table of two
// functions for each callable type, made by the compiler (what std::function does inside).
struct CallableOps {
    void (*call)(void* storage);
    void (*destroy)(void* storage) noexcept;
};

template <class F>
struct InlineOps {  // the callable itself is in the node's storage
    static void call(void* storage) { (*static_cast<F*>(storage))(); }
    static void destroy(void* storage) noexcept { static_cast<F*>(storage)->~F(); }
    static constexpr CallableOps table{&call, &destroy};
};

template <class F>
struct HeapOps {  // the storage holds a pointer to the callable, on the heap
    static void call(void* storage) { (**static_cast<F**>(storage))(); }
    static void destroy(void* storage) noexcept { delete *static_cast<F**>(storage); }
    static constexpr CallableOps table{&call, &destroy};
};
// endregion

enum class NodeKind : std::uint8_t { plain, timer };

// region: node
// One scheduled callback: 64 bytes, a cache line, of which 32 hold the callable. The
// call site is kept as its two parts so that nothing is padding.
struct HandleNode {
    static constexpr std::size_t storage_size = 32;
    static constexpr std::size_t storage_align = alignof(std::max_align_t);

    HandleNode(CallSite where, NodeKind node_kind, std::uint32_t references) noexcept
        : refs(references), line(where.line), file(where.file), kind(node_kind) {}

    std::atomic<std::uint32_t> refs;  // how many Handles refer to this node
    int line;                         // the call site: line...
    char const* file;                 // ...and file
    CallableOps const* ops = nullptr;  // nullptr: no callable (never had one, or dropped)
    NodeKind kind;
    bool cancelled = false;
    bool running = false;
    bool on_heap = false;  // the storage holds a pointer to the callable
    alignas(storage_align) unsigned char storage[storage_size];

    CallSite created_at() const noexcept { return CallSite{file, line}; }

    // Destroys the callable now (cancel, or the last reference gone): its captures go.
    void drop_callable() noexcept {
        if (ops != nullptr) std::exchange(ops, nullptr)->destroy(storage);
    }
};

// A timer's node: the same, and what the timer queue needs (chapter 07's TimerState).
struct TimerNode : HandleNode {
    TimerNode(CallSite where, TimePoint due, std::uint32_t references) noexcept
        : HandleNode(where, NodeKind::timer, references), when(due) {}
    TimePoint when;
    std::size_t* cancelled_in_queue = nullptr;  // the queue's counter; nullptr when not queued
};
// endregion

// region: fits-inline
// Whether a callable of type F goes in the node's storage, or on the heap.
template <class F>
constexpr bool fits_inline() noexcept {
    // TODO(pooled-handle): True when an F fits the node's storage: no larger than
    // storage_size, and its alignment no stricter than storage_align.
    return false;
}
// endregion

// region: pool
// Every thread keeps the nodes it freed, up to max_cached of each kind, and reuses them
// before it asks malloc for more: a callback that schedules the next one (a coroutine's
// steps, W2's chain) then never allocates. Per thread, not per loop, because the last
// Handle of a node may go on any thread (call_soon_threadsafe's caller keeps one): each
// thread's list is its own, so no lock is needed. What a thread keeps is freed when it
// ends.
template <class Node>
class NodePool {
public:
    static constexpr std::size_t max_cached = 4096;

    // Memory for one Node (not constructed).
    static void* acquire() {
        FreeList& list = free_list_;
        // TODO(pooled-handle): Take the first node of this thread's free list (unpoison
        // it for ASan), or allocate a new one with ::operator new when the list is
        // empty.
        (void)list;
        throw_todo("ch12", "pooled-handle");
    }

    // Takes back the memory of a destroyed Node.
    static void recycle(void* memory) noexcept {
        FreeList& list = free_list_;
        // TODO(pooled-handle): Below max_cached, put the memory at the front of the
        // free list (then poison it); otherwise give it back with ::operator delete.
        (void)list;
        ::operator delete(memory);
    }

    // How many nodes this thread keeps for reuse (for the tests and the lesson).
    static std::size_t cached() noexcept { return free_list_.count; }

private:
    struct Free {
        Free* next;
    };
    struct FreeList {
        Free* head = nullptr;
        std::size_t count = 0;
        FreeList() = default;
        FreeList(FreeList const&) = delete;
        FreeList& operator=(FreeList const&) = delete;
        ~FreeList() {
            while (Free* const first = head) {
                unpoison(first);
                head = first->next;
                ::operator delete(first);
            }
        }
    };

    // Under AddressSanitizer a node on the free list is poisoned past its link, so that
    // a Handle used after its node went back to the pool is reported as it would be
    // after a free(). Without ASan these are empty.
    static void poison([[maybe_unused]] Free* node) noexcept {
#ifdef ASYNCIO_POOL_POISON
        ASAN_POISON_MEMORY_REGION(reinterpret_cast<char*>(node) + sizeof(Free), sizeof(Node) - sizeof(Free));
#endif
    }
    static void unpoison([[maybe_unused]] Free* node) noexcept {
#ifdef ASYNCIO_POOL_POISON
        ASAN_UNPOISON_MEMORY_REGION(node, sizeof(Node));
#endif
    }

    static_assert(sizeof(Node) >= sizeof(Free));
    static inline thread_local FreeList free_list_;
};
// endregion

}  // namespace detail

// A Handle is a cheap, copyable reference to one scheduled callback. The loop keeps one
// copy in its ready queue (or in a selector key, or in its timer queue), the caller may
// keep another to cancel it; the callback lives as long as any copy does. An empty
// Handle refers to nothing. Copies may be made and dropped on any thread.
class Handle {
public:
    Handle() = default;

    // region: handle-create
    // Any callable that can be called with no arguments: a lambda, a std::function (an
    // empty one makes a Handle that does nothing when run), a function pointer.
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, Handle> && std::is_invocable_v<std::decay_t<F>&>)
    explicit Handle(F&& callable, CallSite created_at = CallSite::current())
        : node_(make_node<detail::HandleNode>(std::forward<F>(callable), created_at, 1, detail::NodeKind::plain)) {}
    // endregion

    Handle(Handle const& other) noexcept : node_(other.node_) {
        if (node_ != nullptr) node_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Handle(Handle&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
    Handle& operator=(Handle other) noexcept {
        std::swap(node_, other.node_);
        return *this;
    }
    ~Handle() {
        if (node_ != nullptr) release(node_);
    }

    // region: handle-cancel
    // Cancelling is final and idempotent. Like Python, it drops the callback at once so
    // that what it captured is released now, not when the last copy of the Handle dies.
    // (Not thread-safe, as in Python: cancel on the loop's thread.)
    void cancel() {
        detail::HandleNode* const node = node_;
        if (node == nullptr || node->cancelled) return;
        node->cancelled = true;
        // Not while it runs, though: destroying a lambda from inside its own call would
        // free the captures it is still using. run() drops it when the call returns.
        if (!node->running) node->drop_callable();
        if (node->kind == detail::NodeKind::timer) {  // chapter 07: tell its timer queue
            auto* const timer = static_cast<detail::TimerNode*>(node);
            if (timer->cancelled_in_queue != nullptr) ++*timer->cancelled_in_queue;
        }
    }

    bool cancelled() const { return node_ != nullptr && node_->cancelled; }

    // Calls the callback unless the handle was cancelled (Python: Handle._run). An
    // exception from the callback propagates; the loop catches it (see EventLoop).
    void run() {
        Handle const keep = *this;  // the callback may drop the caller's copy
        run_kept();
    }
    // endregion

    // For error messages, like Python's repr(handle): "<Handle ping_pong.cpp:31>", or
    // "<TimerHandle when=12.000500 timers.cpp:20>" for a timer.
    std::string describe() const {
        if (node_ == nullptr) return "<Handle (empty)>";
        std::string const kind =
            node_->kind == detail::NodeKind::timer
                ? fmt::format("TimerHandle when={:.6f}",
                              seconds_since_epoch(static_cast<detail::TimerNode const*>(node_)->when))
                : std::string("Handle");
        return "<" + kind + (node_->cancelled ? " cancelled " : " ") + node_->created_at().describe() + ">";
    }

    explicit operator bool() const { return node_ != nullptr; }

    // Two Handles are equal when they refer to the same scheduled callback.
    friend bool operator==(Handle const& a, Handle const& b) noexcept { return a.node_ == b.node_; }

    // For the tests and the lesson: whether the callable is in the node (not on the
    // heap); false for an empty Handle or one whose callable was dropped.
    bool callable_is_inline() const noexcept;

    static constexpr std::size_t inline_capacity = detail::HandleNode::storage_size;

protected:
    // A new node of type Node holding `callable`, with `references` references to it.
    template <class Node, class F, class... Extra>
    static Node* make_node(F&& callable, CallSite where, std::uint32_t references, Extra&&... extra) {
        using Stored = std::decay_t<F>;
        void* const memory = detail::NodePool<Node>::acquire();
        Node* const node = ::new (memory) Node(where, std::forward<Extra>(extra)..., references);
        if constexpr (std::is_constructible_v<bool, Stored const&>) {
            if (!static_cast<bool>(callable)) return node;  // an empty std::function: no callable
        }
        try {
            if constexpr (detail::fits_inline<Stored>()) {
                ::new (static_cast<void*>(node->storage)) Stored(std::forward<F>(callable));
                node->ops = &detail::InlineOps<Stored>::table;
            } else {
                ::new (static_cast<void*>(node->storage)) Stored*(new Stored(std::forward<F>(callable)));
                node->ops = &detail::HeapOps<Stored>::table;
                node->on_heap = true;
            }
        } catch (...) {
            node->~Node();
            detail::NodePool<Node>::recycle(node);
            throw;
        }
        return node;
    }

    // Adopts one of the node's references (make_node counted it already).
    explicit Handle(detail::HandleNode* adopted) noexcept : node_(adopted) {}
    detail::HandleNode* node() const noexcept { return node_; }

private:
    friend class EventLoop;

    // region: release
    // Drops one reference; the last one destroys the callable and recycles the node.
    static void release(detail::HandleNode* node) noexcept {
        // TODO(pooled-handle): If this is not the last reference, decrement the count
        // atomically (acq_rel) and stop unless it was the last (a count of 1, read with
        // acquire, needs no decrement: no other thread can copy a Handle that only we
        // hold). Then drop the callable, destroy the node as its kind (TimerNode or
        // HandleNode) and recycle it into that kind's pool.
        (void)node;
    }
    // endregion

    // Runs the callback; the caller guarantees that the node outlives the call (the loop
    // runs a Handle it took out of its queue, which nothing else can drop).
    void run_kept() {
        detail::HandleNode* const node = node_;
        if (node == nullptr || node->cancelled || node->ops == nullptr) return;
        struct Finish {
            detail::HandleNode* node;
            ~Finish() {
                node->running = false;
                if (node->cancelled) node->drop_callable();  // cancelled from inside itself
            }
        } finish{node};
        node->running = true;
        node->ops->call(node->storage);
    }

    detail::HandleNode* node_ = nullptr;
};

inline bool Handle::callable_is_inline() const noexcept {
    return node_ != nullptr && node_->ops != nullptr && !node_->on_heap;
}

}  // namespace asyncio
