// The course's running example (fetch two URLs, then process both) on fibers. fetch_data
// and process_data are ordinary functions that "block"; yet the two fetches overlap, and
// the whole program takes about 3 s, not 6. Chapter 02 lesson program.
//
//   ch02_running_example                        about 3 s
//   ASYNCIO_TIME_SCALE=0.01 ch02_running_example  the same story in 30 ms
// course-bench:
#include <asyncio/forced_unwind.hpp>
#include <asyncio/scheduler.hpp>
#include <asyncio/time_scale.hpp>

#include <fmt/core.h>

#include <chrono>
#include <exception>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using asyncio::Scheduler;

// region: fetch
// Plain functions: no special return type, no co_await. Scheduler::sleep_for parks the
// calling fiber, however deep down the call chain it is, and the thread runs other fibers.
std::string fetch_data(std::string const& url) {
    fmt::print("Fetching data from {}\n", url);
    Scheduler::sleep_for(asyncio::scaled(2s));  // a stand-in for waiting on the network
    return fmt::format("Data from {}", url);
}

std::string process_data(std::string const& data) {
    fmt::print("Processing data: {}\n", data);
    Scheduler::sleep_for(asyncio::scaled(1s));
    return fmt::format("Processed data: {}", data);
}
// endregion

// region: gather
// Runs function(input) for every input, each in a fiber of its own, and waits for all of
// them: the results come back in the order of the inputs. The children write into
// `results`, a local of this function: safe, because this fiber's stack stays where it is
// while it waits in join(). For the same reason it waits for every child before it
// rethrows the first error: leaving early would free `results` under the others' feet.
std::vector<std::string> gather(Scheduler& scheduler, std::vector<std::string> const& inputs,
                                std::string (*function)(std::string const&)) {
    std::vector<std::string> results(inputs.size());
    std::vector<Scheduler::Handle> children;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        children.push_back(scheduler.spawn([&results, &inputs, function, i] { results[i] = function(inputs[i]); }));
    std::exception_ptr first_error;
    for (auto const& child : children) {
        try {
            Scheduler::join(child);
        } catch (asyncio::ForcedUnwind const&) {
            throw;  // we are being destroyed: never swallow this one (chapter 01)
        } catch (...) {
            if (!first_error) first_error = std::current_exception();
        }
    }
    if (first_error) std::rethrow_exception(first_error);
    return results;
}
// endregion

int main() {
    // region: main
    Scheduler scheduler;
    std::vector<std::string> processed;
    scheduler.spawn([&] {
        std::vector<std::string> const urls{"http://example.com", "http://example.org"};
        auto const results = gather(scheduler, urls, fetch_data);  // ≈ 2 s, not 4
        processed = gather(scheduler, results, process_data);      // ≈ 1 s more, not 2
    });
    auto const start = std::chrono::steady_clock::now();
    scheduler.run();
    // endregion
    std::chrono::duration<double> const elapsed = std::chrono::steady_clock::now() - start;
    for (auto const& line : processed) fmt::print("{}\n", line);
    fmt::print("finished in {:.1f} s (in unscaled seconds; 6 s if run one after another)\n",
               elapsed.count() / asyncio::time_scale());
    return processed.size() == 2 ? 0 : 1;
}
