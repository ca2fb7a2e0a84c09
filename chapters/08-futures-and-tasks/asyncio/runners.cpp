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
    // TODO(run): Cancel every task, then run the loop until all are done (a
    // Future<void> that the last done-callback completes: chapter 09's gather does this
    // for any number of awaitables). Report each that ended with an exception other
    // than CancelledError.
    throw_todo("ch08", "run");
}
// endregion

}  // namespace asyncio
