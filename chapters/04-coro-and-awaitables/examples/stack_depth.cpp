// stack_depth.cpp: why a Coro's final awaiter returns a handle instead of calling
// resume(). A loop awaits, N times, a coroutine that finishes at once, with three
// versions of the same tiny lazy coroutine type; each runs in a child process, since
// one of them is expected to crash. Chapter 04.
//
//   ch04_stack_depth [N]     N awaits per version (default 1000000)
// course-bench:
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <coroutine>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <utility>

// Everything here has internal linkage. Besides being tidy, that avoids a clang 14 bug:
// with -fsanitize=function (part of -fsanitize=undefined) a coroutine that is a
// function template with external linkage fails to compile ("Cannot represent a
// difference across sections").
namespace {

// What a child reports to its parent, in memory they share: it survives the child's crash.
struct Progress {
    std::atomic<long> awaits{0};         // awaits completed so far
    std::atomic<long> deepest_bytes{0};  // how far below the start the stack has reached
};

// region: modes
enum class Mode {
    resume,     // await_suspend returns void and calls resume() itself
    boolean,    // await_suspend returns bool: "false" = it finished already, do not suspend
    symmetric,  // await_suspend returns the handle to run next (symmetric transfer)
};
// endregion

// A minimal lazy coroutine with no result, in three versions. Only the two
// await_suspend functions differ.
template <Mode mode>
class Lazy {
public:
    struct promise_type;
    using Handle = std::coroutine_handle<promise_type>;

    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        // region: final-await-suspend
        auto await_suspend(Handle finished) const noexcept {
            promise_type& promise = finished.promise();
            if constexpr (mode == Mode::resume) {
                // A call: the continuation runs *inside* this function, on top of our frame.
                if (promise.continuation) promise.continuation.resume();
            } else if constexpr (mode == Mode::boolean) {
                // Only if the awaiter really suspended; if not, it just carries on.
                if (promise.awaiter_suspended) promise.continuation.resume();
            } else {
                // A jump: we return, and the compiler resumes the continuation as a tail call.
                return promise.continuation ? promise.continuation : std::noop_coroutine();
            }
        }
        // endregion
        void await_resume() const noexcept {}
    };

    struct promise_type {
        std::coroutine_handle<> continuation;
        bool awaiter_suspended = false;

        Lazy get_return_object() noexcept { return Lazy{Handle::from_promise(*this)}; }
        std::suspend_always initial_suspend() const noexcept { return {}; }
        FinalAwaiter final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }
    };

    struct Awaiter {
        Handle callee;
        bool await_ready() const noexcept { return false; }
        // region: await-suspend
        auto await_suspend(std::coroutine_handle<> awaiting) const noexcept {
            callee.promise().continuation = awaiting;
            if constexpr (mode == Mode::resume) {
                callee.resume();  // a call: the callee runs on top of us
            } else if constexpr (mode == Mode::boolean) {
                callee.resume();
                if (callee.done()) return false;  // finished already: do not suspend at all
                callee.promise().awaiter_suspended = true;
                return true;
            } else {
                return Handle(callee);  // a jump into the callee
            }
        }
        // endregion
        void await_resume() const noexcept {}
    };

    Lazy(Lazy&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    ~Lazy() {
        if (handle_) handle_.destroy();
    }
    Awaiter operator co_await() const noexcept { return Awaiter{handle_}; }
    Handle handle() const noexcept { return handle_; }

private:
    explicit Lazy(Handle handle) noexcept : handle_(handle) {}
    Handle handle_;
};

char const* stack_start = nullptr;

// Notes how far below the start of the chain the stack reaches now. An ordinary
// function, not inlined: its frame sits on the stack right above the caller's.
[[gnu::noinline]] void note_stack_depth(Progress& progress) {
    auto const here = static_cast<char const*>(__builtin_frame_address(0));
    long const depth = stack_start - here;
    if (depth > progress.deepest_bytes.load(std::memory_order_relaxed))
        progress.deepest_bytes.store(depth, std::memory_order_relaxed);
}

// region: chain
// Finishes at once.
template <Mode mode>
Lazy<mode> finish_at_once(Progress& progress) {
    note_stack_depth(progress);
    co_return;
}

template <Mode mode>
Lazy<mode> await_many(long count, Progress& progress) {
    for (long i = 0; i < count; ++i) {
        co_await finish_at_once<mode>(progress);
        progress.awaits.store(i + 1, std::memory_order_relaxed);
    }
}
// endregion

template <Mode mode>
[[noreturn]] void run_child(long count, Progress& progress) {
    Lazy<mode> chain = await_many<mode>(count, progress);
    stack_start = reinterpret_cast<char const*>(__builtin_frame_address(0));
    chain.handle().resume();
    std::_Exit(chain.handle().done() ? 0 : 3);
}

template <Mode mode>
void measure(char const* label, long count) {
    // Shared with the child, so what it wrote survives its crash.
    void* memory = mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        std::perror("mmap");
        std::exit(1);
    }
    Progress* progress = new (memory) Progress;
    std::fflush(stdout);  // or the child would print our buffered output again
    pid_t const child = fork();
    if (child < 0) {
        std::perror("fork");
        std::exit(1);
    }
    if (child == 0) run_child<mode>(count, *progress);

    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            std::perror("waitpid");
            std::exit(1);
        }
    }
    long const awaits = progress->awaits.load();
    long const deepest = progress->deepest_bytes.load();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        fmt::print("  {:<34} finished {} awaits; the stack never grew by more than {} bytes\n", label, awaits, deepest);
    } else {
        std::string how = WIFSIGNALED(status) ? fmt::format("crashed (SIG{})", sigabbrev_np(WTERMSIG(status)))
                                              : fmt::format("failed (exit status {})", WEXITSTATUS(status));
        fmt::print("  {:<34} {} after {} awaits; the stack had grown by {} KiB, about {} bytes per await\n", label, how,
                   awaits, deepest / 1024, awaits > 0 ? deepest / awaits : 0);
    }
    munmap(memory, sizeof(Progress));
}

}  // namespace

int main(int argc, char** argv) {
    long const count = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    if (count <= 0) {
        fmt::print(stderr, "usage: {} [N]   (N > 0 awaits per version)\n", argv[0]);
        return 2;
    }
    rlimit limit{};
    getrlimit(RLIMIT_STACK, &limit);
    std::string const stack =
        limit.rlim_cur == RLIM_INFINITY ? std::string("unlimited") : fmt::format("{} KiB", limit.rlim_cur / 1024);
    fmt::print("{} awaits of a coroutine that finishes at once (stack limit {}):\n", count, stack);
    measure<Mode::resume>("void await_suspend + resume():", count);
    measure<Mode::boolean>("bool await_suspend:", count);
    measure<Mode::symmetric>("symmetric transfer (a handle):", count);
}
