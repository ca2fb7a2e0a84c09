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
    // TODO(gather): If the gather is done already, read the child's exception (so it is
    // never reported as unretrieved) and stop. Without return_exceptions a cancelled
    // child ends the gather with end_cancelled, an exception with fail. Else store the
    // outcome; after the last child, complete() (or end_cancelled if cancel was
    // requested).
    (void)child;
    (void)slot;
    throw_todo("ch09", "gather");
}
// endregion

// region: cancel-children
bool GatherCore::cancel_children(std::string const& message) {
    // TODO(gather-cancel): Cancel every child that is still alive (lock its weak
    // reference); if any cancel() said true, remember that cancelling was requested,
    // and the message. Return whether any did.
    (void)message;
    throw_todo("ch09", "gather-cancel");
}

void GatherCore::end_cancelled(std::string const& message) {
    // TODO(gather-cancel): A gather that was cancelled ends cancelled itself
    // (FutureStateBase::cancel, not the override); a child cancelled by someone else
    // makes it raise CancelledError(message).
    (void)message;
    throw_todo("ch09", "gather-cancel");
}
// endregion

}  // namespace asyncio::detail
