// Result<T>: the outcome of work that finishes later (a value, a reference, nothing for
// void, or an exception), kept until someone takes it. Introduced in chapter 04 for
// Coro<T>; chapter 08's Future<T> keeps its outcome the same way.
#pragma once

#include <asyncio/exceptions.hpp>
#include <asyncio/todo.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

namespace asyncio {

// Result<int>          holds an int (move-only types such as std::unique_ptr work too)
// Result<std::string&> holds a reference: it points at an object that lives elsewhere
// Result<void>         holds "it finished", and nothing else
//
// Any of them may hold an exception instead. take() hands the outcome over exactly
// once: it moves the value out or rethrows the exception. Reading a Result that is
// empty, or that was already taken, is a mistake in the program that uses it, so it
// throws InvalidStateError (Python's Future.result() does the same) instead of
// returning garbage.
template <class T>
class Result {
    static_assert(!std::is_rvalue_reference_v<T>, "a Result holds a value, an lvalue reference, or void");

    // region: result-state
    // One std::variant serves all three kinds of T. A variant cannot hold a reference,
    // so a reference is kept as a pointer; void becomes an empty struct.
    struct Nothing {};
    struct Taken {};
    using Stored = std::conditional_t<std::is_void_v<T>, Nothing,
                                      std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, T>>;

    // The four states, by index (not by type: Stored could itself be std::exception_ptr).
    static constexpr std::size_t empty = 0, value = 1, exception = 2, taken = 3;
    // endregion

public:
    // region: result-queries
    bool has_value() const noexcept { return state_.index() == value; }
    bool has_exception() const noexcept { return state_.index() == exception; }
    // Set once with a value or an exception (and not yet taken).
    bool is_set() const noexcept { return has_value() || has_exception(); }
    // endregion

    // TODO(coro-result): Keep the value (a reference as a pointer) or the exception;
    // take() hands it over once: move the value out or rethrow, InvalidStateError when
    // there is nothing to take.
    void set_value()
        requires std::is_void_v<T>
    {
        throw_todo("ch04", "coro-result");
    }

    template <class U>
        requires(!std::is_void_v<T>)
    void set_value(U&& result) {
        (void)result;
        throw_todo("ch04", "coro-result");
    }

    void set_exception(std::exception_ptr error) { (void)error; }  // for now the error is lost

    T take() { throw_todo("ch04", "coro-result"); }

private:
    // region: result-storage
    // Setting an outcome twice is a logic error (Python: InvalidStateError too).
    void check_not_set() const {
        if (state_.index() != empty) throw InvalidStateError("Result: the result is already set");
    }

    std::variant<std::monostate, Stored, std::exception_ptr, Taken> state_;
    // endregion
};

}  // namespace asyncio
