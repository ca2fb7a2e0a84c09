// The course's exceptions, named like Python's so an asyncio user recognises them.
// Introduced in chapter 00; the chapters that first raise each one say when it is used.
// Chapter 08 gives CancelledError a message (Python: task.cancel(msg)); chapter 09 adds
// ValueError (asyncio.wait of nothing).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace asyncio {

// Misuse of an object in its current state: yield outside a fiber, run_forever on a
// running loop, scheduling on a closed loop (Python: RuntimeError).
struct RuntimeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An operation that is not allowed in the object's state: reading the result of a
// future that is not done, setting a result twice, awaiting a Coro twice
// (Python: asyncio.InvalidStateError).
struct InvalidStateError : std::logic_error {
    using std::logic_error::logic_error;
};

// A task or future was cancelled (Python: asyncio.CancelledError). Like Python's,
// it is not an ordinary error, so it does not derive from std::runtime_error.
// region: cancelled-error
struct CancelledError : std::exception {
    CancelledError() = default;
    explicit CancelledError(std::string message) : message_(std::move(message)) {}
    // The message given to cancel(), or "CancelledError" when there was none.
    char const* what() const noexcept override { return message_.empty() ? "CancelledError" : message_.c_str(); }
    std::string const& message() const noexcept { return message_; }

private:
    std::string message_;
};
// endregion

// A deadline passed (Python: TimeoutError).
struct TimeoutError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An argument of the right type with a wrong value: asyncio::wait of an empty set
// (Python: ValueError).
struct ValueError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// "This is not written yet": what every exercise stub throws (see todo.hpp).
struct NotImplementedError : std::logic_error {
    using std::logic_error::logic_error;
};

}  // namespace asyncio
