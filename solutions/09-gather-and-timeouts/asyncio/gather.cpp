// gather's non-template half, following CPython's Lib/asyncio/tasks.py (gather and its
// _GatheringFuture); where we differ, a comment says why.
#include <asyncio/gather.hpp>

#include <asyncio/todo.hpp>

namespace asyncio::detail {

EventLoop& gather_loop(FutureBase const* first) { return first != nullptr ? first->get_loop() : get_running_loop(); }

void GatherCore::watch(std::shared_ptr<GatherCore> const& self, FutureBase child, std::size_t slot) {
    self->children_.emplace_back(child.state());
    child.add_done_callback([self, slot](FutureBase const& done) {
        try {
            self->child_done(done, slot);
        } catch (...) {
            // A bug in the gathering itself (a step not written yet): the awaiter gets the
            // exception, instead of the loop logging it and the gather waiting for ever.
            if (self->outer().done()) throw;
            self->fail(std::current_exception());
        }
    });
}

// region: child-done
void GatherCore::child_done(FutureBase const& child, std::size_t slot) {
    ++finished_;
    // BEGIN EXERCISE gather: If the gather is done already, read the child's exception (so it is never reported as unretrieved) and stop. Without return_exceptions a cancelled child ends the gather with end_cancelled, an exception with fail. Else store the outcome; after the last child, complete() (or end_cancelled if cancel was requested).
    if (outer().done()) {
        // The gather failed already: nobody will read this child's outcome. Python
        // marks its exception retrieved so that it is not logged as lost.
        if (!child.cancelled()) (void)child.exception();
        return;
    }
    if (!return_exceptions_) {
        if (child.cancelled()) {
            end_cancelled(child.state()->cancel_message());
            return;
        }
        if (std::exception_ptr const error = child.exception()) {
            fail(error);
            return;
        }
    }
    store(slot, child);
    if (finished_ < count_) return;
    if (cancel_requested_)
        end_cancelled(cancel_message_);  // return_exceptions, or a child that ignored the cancel
    else
        complete();
    // STUB
    // (void)child;
    // (void)slot;
    // throw_todo("ch09", "gather");
    // END EXERCISE
}
// endregion

// region: cancel-children
bool GatherCore::cancel_children(std::string const& message) {
    // BEGIN EXERCISE gather-cancel: Cancel every child that is still alive (lock its weak reference); if any cancel() said true, remember that cancelling was requested, and the message. Return whether any did.
    bool cancelled_any = false;
    for (std::weak_ptr<FutureStateBase> const& weak : children_) {
        if (std::shared_ptr<FutureStateBase> const child = weak.lock()) {
            if (child->cancel(message)) cancelled_any = true;  // not `||`: every child must hear it
        }
    }
    if (cancelled_any) {
        cancel_requested_ = true;
        cancel_message_ = message;
    }
    return cancelled_any;
    // STUB
    // (void)message;
    // throw_todo("ch09", "gather-cancel");
    // END EXERCISE
}

void GatherCore::end_cancelled(std::string const& message) {
    // BEGIN EXERCISE gather-cancel: A gather that was cancelled ends cancelled itself (FutureStateBase::cancel, not the override); a child cancelled by someone else makes it raise CancelledError(message).
    if (cancel_requested_)
        outer().FutureStateBase::cancel(message);  // Python sets a CancelledError; we also say cancelled()
    else
        fail(std::make_exception_ptr(CancelledError(message)));
    // STUB
    // (void)message;
    // throw_todo("ch09", "gather-cancel");
    // END EXERCISE
}
// endregion

}  // namespace asyncio::detail
