// Generator<T>: a C++20 coroutine that produces a sequence with `co_yield`, read
// with a range-for, like a Python generator function. Introduced in chapter 03; its
// promise and handle are the machinery every later coroutine type reuses.
#pragma once

#include <asyncio/counted_frame.hpp>
#include <asyncio/exceptions.hpp>
#include <asyncio/todo.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

namespace asyncio {

// Generator<int>          yields ints; *it is an int& into the generator's frame.
// Generator<std::string const&>  yields references to strings that live elsewhere
//                                (or in the frame): nothing is copied.
// Generator<std::unique_ptr<X>>  move-only values: the loop may std::move(*it).
//
// Like a Python generator, it is lazy (nothing runs until the first value is asked
// for), single-pass (a second loop continues where the first stopped), and an
// exception thrown in its body comes out of the loop that reads it.
template <class T>
class Generator {
public:
    using value_type = std::remove_cvref_t<T>;
    // What *it gives: T itself when T is a reference, otherwise an lvalue reference
    // to the yielded object, which lives in (or is pointed to by) the frame.
    using reference = std::conditional_t<std::is_reference_v<T>, T, T&>;
    using pointer = std::add_pointer_t<reference>;

    // region: promise-given
    // The compiler finds this type as Generator<T>::promise_type and creates one in
    // every frame of a coroutine that returns Generator<T>. It calls the hooks
    // below; the Generator (through the handle) reads what the promise kept.
    class promise_type : public CountedFrame {
    public:
        Generator get_return_object() noexcept {
            return Generator{std::coroutine_handle<promise_type>::from_promise(*this)};
        }

        // Lazy start: the body must not run before someone asks for a value, or the
        // first value would be produced with nowhere to go (Python does the same).
        std::suspend_always initial_suspend() const noexcept { return {}; }

        // Stop at the end instead of freeing the frame: the Generator still owns the
        // handle, and done() on a freed frame would be a use after free. The
        // Generator's destructor frees it. Must be noexcept (the standard says so).
        std::suspend_always final_suspend() const noexcept { return {}; }

        // Falling off the end or `co_return;` ends the sequence.
        void return_void() const noexcept {}

        reference value() const noexcept { return static_cast<reference>(*value_); }
        // endregion

        // TODO(generator-promise): Keep a pointer to each yielded object and suspend;
        // keep an escaping exception and rethrow it on request.
        std::suspend_always yield_value(std::remove_reference_t<reference>& value) {
            (void)value;
            throw_todo("ch03", "generator-promise");
        }
        std::suspend_always yield_value(std::remove_reference_t<reference>&& value) {
            (void)value;
            throw_todo("ch03", "generator-promise");
        }
        void unhandled_exception() { throw_todo("ch03", "generator-promise"); }
        void rethrow_if_exception() { throw_todo("ch03", "generator-promise"); }

        // Given (chapter 04 explains awaiters in full): `co_yield kept;` with a const
        // lvalue. Its address cannot be handed out as a T& (the loop could modify a
        // const object through it), so we copy it into the awaiter. The awaiter is
        // the operand of co_await and lives in the frame until we are resumed; its
        // address is final only once it is suspended, so await_suspend points at it.
        auto yield_value(value_type const& value)
            requires(!std::is_reference_v<T> && std::is_copy_constructible_v<value_type>)
        {
            struct CopyAwaiter {
                value_type copy;
                pointer* slot;
                bool await_ready() const noexcept { return false; }
                void await_suspend(std::coroutine_handle<>) noexcept { *slot = std::addressof(copy); }
                void await_resume() const noexcept {}
            };
            return CopyAwaiter{value, &value_};
        }

    private:
        // region: promise-members
        pointer value_ = nullptr;  // the object of the latest co_yield
        std::exception_ptr exception_;
        // endregion
    };

    using handle_type = std::coroutine_handle<promise_type>;

    // region: iterator-given
    // An input iterator: it only points at the frame, so copies of it all see the
    // same (single) current value. The end is std::default_sentinel: the iterator
    // is at the end when the frame has finished.
    class iterator {
    public:
        using iterator_concept = std::input_iterator_tag;
        using iterator_category = std::input_iterator_tag;
        using value_type = Generator::value_type;
        using difference_type = std::ptrdiff_t;
        using reference = Generator::reference;

        iterator() noexcept = default;

        reference operator*() const noexcept { return handle_.promise().value(); }
        pointer operator->() const noexcept { return std::addressof(operator*()); }
        // endregion

        // TODO(generator-iterator): ++ resumes the body to its next co_yield and
        // rethrows what it threw; the iterator equals end() once the body has finished.
        iterator& operator++() { throw_todo("ch03", "generator-iterator"); }
        friend bool operator==(iterator const& it, std::default_sentinel_t) {
            (void)it;
            throw_todo("ch03", "generator-iterator");
        }

        void operator++(int) { ++*this; }

    private:
        friend class Generator;
        // region: iterator-members
        explicit iterator(handle_type handle) noexcept : handle_(handle) {}

        handle_type handle_{};
        // endregion
    };

    // An empty generator (and what a moved-from one becomes): it yields nothing.
    Generator() noexcept = default;

    Generator(Generator const&) = delete;
    Generator& operator=(Generator const&) = delete;

    // TODO(generator-lifetime): Own the frame: destroy it in the destructor, hand it
    // over on move.
    ~Generator() {}  // the frame is never freed: it leaks
    Generator(Generator&& other) {
        (void)other;
        throw_todo("ch03", "generator-lifetime");
    }
    Generator& operator=(Generator&& other) {
        (void)other;
        throw_todo("ch03", "generator-lifetime");
    }

    // region: begin-end
    // Like Python's iter(gen), a generator is its own iterator: begin() runs the body
    // to its first co_yield, and on a generator that was already started it moves on
    // to the next value, so a second loop continues where the first stopped. On a
    // finished or empty generator it returns an iterator that equals end().
    iterator begin() {
        iterator it{handle_};
        if (handle_ && !handle_.done()) ++it;
        return it;
    }

    std::default_sentinel_t end() const noexcept { return std::default_sentinel; }
    // endregion

private:
    // region: generator-members
    explicit Generator(handle_type handle) noexcept : handle_(handle) {}

    handle_type handle_{};
    // endregion
};

}  // namespace asyncio
