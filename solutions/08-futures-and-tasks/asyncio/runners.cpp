// asyncio::run's shutdown, following CPython's Lib/asyncio/runners.py.
#include <asyncio/runners.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace asyncio {

// region: cancel-all-tasks
void cancel_all_tasks(EventLoop& loop) {
    std::vector<AnyTask> const tasks = all_tasks(loop);
    if (tasks.empty()) return;
    // BEGIN EXERCISE run: Cancel every task, then run the loop until all are done (a Future<void> that the last done-callback completes: chapter 09's gather does this for any number of awaitables). Report each that ended with an exception other than CancelledError.
    for (AnyTask task : tasks) task.cancel();
    Future<void> all_done(loop);
    auto remaining = std::make_shared<std::size_t>(tasks.size());
    for (AnyTask task : tasks)
        task.add_done_callback([all_done, remaining](FutureBase const&) mutable {
            if (--*remaining == 0) all_done.set_result();
        });
    loop.run_until_complete(all_done);
    for (AnyTask const& task : tasks) {
        if (task.cancelled()) continue;
        if (std::exception_ptr const error = task.exception())
            loop.call_exception_handler(
                {"unhandled exception during asyncio.run() shutdown: " + task.describe(), error, {}});
    }
    // STUB
    // throw_todo("ch08", "run");
    // END EXERCISE
}
// endregion

}  // namespace asyncio
