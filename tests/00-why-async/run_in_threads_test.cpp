// Tests of chapter 00's exercise: asyncio::start_threads (step start-threads),
// asyncio::collect_results (step collect-results) and run_in_threads, built from both.
#include <testing/catch.hpp>

#include <asyncio/exceptions.hpp>
#include <asyncio/run_in_threads.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <latch>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// N jobs each arrive here and then wait until all N have arrived. Jobs that run one
// after another can never all be here at once: the first one waits in vain. So that a
// sequential implementation fails instead of hanging, everyone gives up at a shared
// deadline, a few seconds away, and reports whether the meeting happened.
class Rendezvous {
public:
    explicit Rendezvous(std::ptrdiff_t parties) : arrived_(parties), deadline_(Clock::now() + 5s) {}

    bool arrive_and_wait() {
        arrived_.count_down();
        while (!arrived_.try_wait()) {
            if (Clock::now() > deadline_) return false;
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }

private:
    std::latch arrived_;
    Clock::time_point const deadline_;
};

// A gate the test opens; jobs waiting at it give up at a shared deadline a few
// seconds away, and say whether it opened.
class Gate {
public:
    void open() { open_.store(true); }
    bool wait() const {
        while (!open_.load()) {
            if (Clock::now() > deadline_) return false;
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }

private:
    std::atomic<bool> open_{false};
    Clock::time_point const deadline_ = Clock::now() + 5s;
};

void join_all(std::vector<std::jthread>& threads) {
    for (std::jthread& thread : threads)
        if (thread.joinable()) thread.join();
}

}  // namespace

// ---- step start-threads ---------------------------------------------------------

TEST_CASE("start_threads runs every job on a thread of its own", "[ch00][start-threads][threads]") {
    std::vector<std::function<std::thread::id()>> jobs(3, [] { return std::this_thread::get_id(); });
    std::vector<asyncio::Outcome<std::thread::id>> outcomes(3);
    std::vector<std::jthread> threads = asyncio::start_threads(std::move(jobs), outcomes);
    REQUIRE(threads.size() == 3);
    join_all(threads);

    std::set<std::thread::id> ids;
    for (auto& outcome : outcomes) {
        REQUIRE(outcome.value.has_value());
        CHECK(*outcome.value != std::this_thread::get_id());
        ids.insert(*outcome.value);
    }
    CHECK(ids.size() == 3);
}

TEST_CASE("start_threads runs all its jobs at the same time", "[ch00][start-threads][threads]") {
    int const n = 4;
    Rendezvous meeting(n);
    std::vector<std::function<bool()>> jobs(n, [&meeting] { return meeting.arrive_and_wait(); });
    std::vector<asyncio::Outcome<bool>> outcomes(n);
    std::vector<std::jthread> threads = asyncio::start_threads(std::move(jobs), outcomes);
    join_all(threads);
    for (auto& outcome : outcomes) {
        REQUIRE(outcome.value.has_value());
        CHECK(*outcome.value);  // false: the jobs did not all run at once
    }
}

TEST_CASE("start_threads returns while its jobs are still running", "[ch00][start-threads][threads]") {
    Gate gate;
    std::vector<std::function<bool()>> jobs(2, [&gate] { return gate.wait(); });
    std::vector<asyncio::Outcome<bool>> outcomes(2);
    std::vector<std::jthread> threads = asyncio::start_threads(std::move(jobs), outcomes);
    gate.open();  // only now may the jobs finish
    join_all(threads);
    for (auto& outcome : outcomes) {
        REQUIRE(outcome.value.has_value());
        CHECK(*outcome.value);  // false: start_threads waited for the jobs itself
    }
}

TEST_CASE("start_threads puts each job's value in the outcome with the same index", "[ch00][start-threads][threads]") {
    // The first job finishes last, so storing in order of completion would be caught.
    std::vector<std::function<int()>> jobs;
    for (int i = 0; i < 5; ++i)
        jobs.push_back([i] {
            std::this_thread::sleep_for((5 - i) * 10ms);
            return 10 * i;
        });
    std::vector<asyncio::Outcome<int>> outcomes(5);
    std::vector<std::jthread> threads = asyncio::start_threads(std::move(jobs), outcomes);
    join_all(threads);
    for (int i = 0; i < 5; ++i) {
        REQUIRE(outcomes[i].value.has_value());
        CHECK(*outcomes[i].value == 10 * i);
        CHECK_FALSE(outcomes[i].error);
    }
}

TEST_CASE("start_threads keeps a job's exception in its outcome instead of ending the program",
          "[ch00][start-threads][threads]") {
    std::vector<std::function<int()>> jobs{
        [] { return 1; },
        []() -> int { throw std::runtime_error("boom from job 1"); },
        [] { return 3; },
    };
    std::vector<asyncio::Outcome<int>> outcomes(3);
    std::vector<std::jthread> threads = asyncio::start_threads(std::move(jobs), outcomes);
    join_all(threads);

    CHECK(outcomes[0].value == 1);
    CHECK(outcomes[2].value == 3);
    CHECK_FALSE(outcomes[1].value.has_value());
    REQUIRE(outcomes[1].error);
    CHECK_THROWS_WITH(std::rethrow_exception(outcomes[1].error), "boom from job 1");
}

TEST_CASE("start_threads with no jobs starts no threads", "[ch00][start-threads][threads]") {
    std::vector<asyncio::Outcome<int>> outcomes;
    std::vector<std::jthread> threads = asyncio::start_threads(std::vector<std::function<int()>>{}, outcomes);
    CHECK(threads.empty());
}

TEST_CASE("start_threads refuses a number of outcomes that differs from the number of jobs", "[ch00]") {
    std::vector<asyncio::Outcome<int>> outcomes(1);
    std::vector<std::function<int()>> jobs(2, [] { return 0; });
    CHECK_THROWS_AS(asyncio::start_threads(std::move(jobs), outcomes), std::invalid_argument);
}

// ---- step collect-results -------------------------------------------------------
// These tests start their threads by hand, so they do not depend on start_threads.

TEST_CASE("collect_results returns the values in job order whatever order the jobs finish in",
          "[ch00][collect-results][threads]") {
    std::vector<asyncio::Outcome<int>> outcomes(4);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([i, &outcome = outcomes[i]] {
            std::this_thread::sleep_for((4 - i) * 15ms);  // the last job finishes first
            outcome.value = i * i;
        });
    std::vector<int> const results = asyncio::collect_results(threads, outcomes);
    CHECK(results == std::vector<int>{0, 1, 4, 9});
}

TEST_CASE("collect_results joins every thread before it returns", "[ch00][collect-results][threads]") {
    std::atomic<int> finished{0};
    std::vector<asyncio::Outcome<std::string>> outcomes(3);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 3; ++i)
        threads.emplace_back([i, &finished, &outcome = outcomes[i]] {
            std::this_thread::sleep_for(30ms);
            outcome.value = std::to_string(i);
            ++finished;
        });
    std::vector<std::string> const results = asyncio::collect_results(threads, outcomes);
    CHECK(finished == 3);
    for (std::jthread const& thread : threads) CHECK_FALSE(thread.joinable());
    CHECK(results == std::vector<std::string>{"0", "1", "2"});
}

TEST_CASE("collect_results rethrows the first exception in job order only after every thread has finished",
          "[ch00][collect-results][threads]") {
    std::atomic<bool> last_finished{false};
    std::vector<asyncio::Outcome<int>> outcomes(4);
    std::vector<std::jthread> threads;
    threads.emplace_back([&o = outcomes[0]] { o.value = 0; });
    threads.emplace_back([&o = outcomes[1]] {  // first in job order, but fails late
        std::this_thread::sleep_for(60ms);
        o.error = std::make_exception_ptr(std::out_of_range("job 1 failed"));
    });
    threads.emplace_back([&o = outcomes[2]] {  // fails first in time
        o.error = std::make_exception_ptr(std::runtime_error("job 2 failed"));
    });
    threads.emplace_back([&o = outcomes[3], &last_finished] {
        std::this_thread::sleep_for(120ms);
        o.value = 3;
        last_finished = true;
    });
    CHECK_THROWS_AS(asyncio::collect_results(threads, outcomes), std::out_of_range);
    CHECK(last_finished);  // false: the exception left while a thread was still running
    for (std::jthread const& thread : threads) CHECK_FALSE(thread.joinable());
}

TEST_CASE("collect_results moves move-only values out of the outcomes", "[ch00][collect-results][threads]") {
    std::vector<asyncio::Outcome<std::unique_ptr<int>>> outcomes(3);
    std::vector<std::jthread> threads;
    for (int i = 0; i < 3; ++i)
        threads.emplace_back([i, &outcome = outcomes[i]] { outcome.value = std::make_unique<int>(i + 100); });
    std::vector<std::unique_ptr<int>> const results = asyncio::collect_results(threads, outcomes);
    REQUIRE(results.size() == 3);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(results[i] != nullptr);
        CHECK(*results[i] == i + 100);
    }
}

TEST_CASE("collect_results of no jobs returns an empty vector", "[ch00][collect-results][threads]") {
    std::vector<asyncio::Outcome<int>> outcomes;
    std::vector<std::jthread> threads;
    CHECK(asyncio::collect_results(threads, outcomes).empty());
}

// ---- run_in_threads: both steps together ----------------------------------------

TEST_CASE("run_in_threads returns results in the order of the jobs", "[ch00][collect-results][threads]") {
    std::vector<std::function<std::string()>> jobs;
    for (int i = 0; i < 6; ++i)
        jobs.push_back([i] {
            std::this_thread::sleep_for((6 - i) * 5ms);
            return "job " + std::to_string(i);
        });
    std::vector<std::string> const results = asyncio::run_in_threads(std::move(jobs));
    CHECK(results == std::vector<std::string>{"job 0", "job 1", "job 2", "job 3", "job 4", "job 5"});
}

TEST_CASE("run_in_threads runs all its jobs concurrently", "[ch00][collect-results][threads]") {
    int const n = 8;
    Rendezvous meeting(n);
    std::vector<std::function<bool()>> jobs(n, [&meeting] { return meeting.arrive_and_wait(); });
    std::vector<bool> const met = asyncio::run_in_threads(std::move(jobs));
    CHECK(met == std::vector<bool>(n, true));
}

TEST_CASE("run_in_threads rethrows the first failing job's exception once all jobs have finished",
          "[ch00][collect-results][threads]") {
    std::atomic<bool> slow_job_finished{false};
    std::vector<std::function<int()>> jobs{
        [] { return 0; },
        []() -> int {
            std::this_thread::sleep_for(40ms);
            throw asyncio::TimeoutError("job 1 took too long");
        },
        []() -> int { throw std::runtime_error("job 2 failed at once"); },
        [&slow_job_finished] {
            std::this_thread::sleep_for(100ms);
            slow_job_finished = true;
            return 3;
        },
    };
    CHECK_THROWS_AS(asyncio::run_in_threads(std::move(jobs)), asyncio::TimeoutError);
    CHECK(slow_job_finished);
}

TEST_CASE("run_in_threads accepts move-only jobs with move-only results", "[ch00][collect-results][threads]") {
    auto make_job = [](int i) { return [p = std::make_unique<int>(i)]() mutable { return std::move(p); }; };
    std::vector<decltype(make_job(0))> jobs;
    for (int i = 0; i < 3; ++i) jobs.push_back(make_job(i));
    std::vector<std::unique_ptr<int>> const results = asyncio::run_in_threads(std::move(jobs));
    REQUIRE(results.size() == 3);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(results[i] != nullptr);
        CHECK(*results[i] == i);
    }
}

TEST_CASE("run_in_threads of no jobs returns no results", "[ch00][collect-results][threads]") {
    CHECK(asyncio::run_in_threads(std::vector<std::function<int()>>{}).empty());
}
