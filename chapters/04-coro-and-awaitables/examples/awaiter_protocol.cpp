// awaiter_protocol.cpp: the three things await_suspend can return, each in an awaiter
// that says what it does. A consumer receives three messages from a one-slot mailbox
// that a producer fills, both running on the ManualScheduler. Chapter 04.
//
//   void    "I stay suspended; go back to whoever resumed me" (the scheduler's loop)
//   bool    false: "never mind, do not suspend after all"; true: as void
//   handle  "resume this coroutine next", by symmetric transfer (may be my own handle:
//           then it is like false)
#include <asyncio/coro.hpp>
#include <asyncio/manual_scheduler.hpp>

#include <fmt/core.h>

#include <coroutine>
#include <optional>
#include <string>
#include <utility>

struct Receive;

// A slot for one message, and at most one coroutine waiting to receive.
struct Mailbox {
    std::optional<std::string> message;
    Receive* receiver = nullptr;  // the awaiter of a parked receiver, if any
};

// region: bool-awaiter
// co_await receive(box): await_suspend tries to take the message at once. It needs the
// handle only when it has to park the receiver, and which way it goes is known only
// once it has looked, so it answers with a bool.
struct Receive {
    Mailbox& box;
    std::string got;
    std::coroutine_handle<> parked;

    bool await_ready() const noexcept { return false; }  // let await_suspend decide
    // region: bool-await-suspend
    bool await_suspend(std::coroutine_handle<> receiver) {
        if (box.message) {
            got = std::move(*box.message);
            box.message.reset();
            fmt::print("    [receive] await_suspend -> false: a message was waiting, no suspension\n");
            return false;
        }
        // While the receiver is suspended, this awaiter stays put in its frame, so
        // the sender can write the message straight into it.
        parked = receiver;
        box.receiver = this;
        fmt::print("    [receive] await_suspend -> true: the box is empty, the receiver is parked\n");
        return true;
    }
    // endregion
    std::string await_resume() { return std::move(got); }
};
// endregion

// region: handle-awaiter
// co_await send(box, text): if a receiver is parked, hand it the message and run it
// *now*, by returning its handle (symmetric transfer); the sender goes to the back of
// the queue. If nobody waits, leave the message in the box and carry on: returning
// our own handle resumes us at once, just like returning false.
struct Send {
    Mailbox& box;
    std::string text;

    bool await_ready() const noexcept { return false; }
    // region: handle-await-suspend
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> sender) {
        if (box.receiver != nullptr) {
            Receive* receiver = std::exchange(box.receiver, nullptr);
            receiver->got = std::move(text);
            asyncio::ManualScheduler::running().call_soon(sender);
            fmt::print("    [send] await_suspend -> the receiver's handle: "
                       "it runs next, the sender is queued\n");
            return receiver->parked;
        }
        box.message = std::move(text);
        fmt::print("    [send] await_suspend -> the sender's own handle: "
                   "message left in the box, go on\n");
        return sender;
    }
    // endregion
    void await_resume() const noexcept {}
};
// endregion

// The awaiters are made by functions rather than written as `co_await Receive{...}`
// in the coroutine: GCC 12 miscompiles the destruction of an awaiter that is
// brace-initialised right in the co_await expression when it has members with
// destructors (measured: AddressSanitizer reports a bad free). See the lesson.
Receive receive(Mailbox& box) {
    return Receive{box, {}, {}};
}
Send send(Mailbox& box, std::string text) {
    return Send{box, std::move(text)};
}

// region: void-awaiter
// co_await Pause{}: what yield_now does, traced. Returning void leaves the coroutine
// suspended and returns to whoever resumed it: here the loop in ManualScheduler::run.
struct Pause {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> coroutine) const {
        asyncio::ManualScheduler::running().call_soon(coroutine);
        fmt::print("    [pause] await_suspend -> void: queued again, back to the scheduler\n");
    }
    void await_resume() const noexcept {}
};
// endregion

// region: coroutines
asyncio::Coro<void> consumer(Mailbox& box) {
    for (int i = 1; i <= 3; ++i) {
        fmt::print("consumer: waiting for message {}\n", i);
        std::string message = co_await receive(box);
        fmt::print("consumer: got \"{}\"\n", message);
    }
}

asyncio::Coro<void> producer(Mailbox& box) {
    for (char const* text : {"Data from http://example.com", "Data from http://example.org", "done"}) {
        fmt::print("producer: sending \"{}\"\n", text);
        co_await send(box, text);
        fmt::print("producer: sent, now pausing\n");
        co_await Pause{};
    }
}

int main() {
    Mailbox box;
    asyncio::ManualScheduler scheduler;
    scheduler.spawn(producer(box));  // first, so that one message is waiting for the consumer
    scheduler.spawn(consumer(box));
    scheduler.run();
}
// endregion
