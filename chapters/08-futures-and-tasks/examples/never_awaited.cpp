// The running example's bug in C++: `[process_data(r) for r in results]` makes
// coroutines and never awaits them. Python warns "coroutine 'process_data' was never
// awaited"; chapter 08's Coro says the same when it is destroyed unstarted.
#include <asyncio/coro.hpp>
#include <asyncio/runners.hpp>

#include <fmt/core.h>

#include <vector>

// region: bug
asyncio::Coro<int> process_data(int raw) { co_return raw * 10; }

asyncio::Coro<int> amain() {
    std::vector<int> const results = {1, 2, 3};
    std::vector<asyncio::Coro<int>> processed;
    for (int r : results) processed.push_back(process_data(r));  // created, never awaited
    fmt::print("made {} coroutines, ran none of them\n", processed.size());
    int total = 0;
    for (int r : results) total += co_await process_data(r);  // the fix: await each
    co_return total;
}
// endregion

int main() {
    int const total = asyncio::run(amain());
    fmt::print("total {}\n", total);
}
