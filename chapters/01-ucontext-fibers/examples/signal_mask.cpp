// The signal mask hazard of ucontext: getcontext records the thread's signal mask in the
// context, and every swapcontext into that context installs the recorded mask again. A
// signal blocked after the context was prepared is unblocked by the next switch into it,
// and a pending one is delivered there. Chapter 01 lesson program; it uses raw ucontext
// (not the Fiber class), so it runs before the exercise is done, and a Fiber does the same.
//
//   ch01_signal_mask      the mask on both sides of a switch, then two child processes:
//                         one killed by SIGUSR1 on the switch, one that blocked it in time
#include <asyncio/stack.hpp>

#include <fmt/core.h>
#include <signal.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

ucontext_t main_context, fiber_context;

char const* sigusr1_state() {
    sigset_t current;
    sigprocmask(SIG_SETMASK, nullptr, &current);  // a null set only reads the mask
    return sigismember(&current, SIGUSR1) == 1 ? "blocked" : "unblocked";
}

void block_sigusr1() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, nullptr);
}

void unblock_all() {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void fiber_body() {
    for (;;) {
        fmt::print("  in the fiber:                  SIGUSR1 {}\n", sigusr1_state());
        swapcontext(&fiber_context, &main_context);
    }
}

// region: prepare
// Prepares fiber_context the way Fiber's constructor does: getcontext records the registers
// *and the thread's signal mask as it is now*, and makecontext leaves that mask alone.
void prepare_fiber(asyncio::FiberStack& stack) {
    getcontext(&fiber_context);
    fiber_context.uc_stack.ss_sp = stack.bottom();
    fiber_context.uc_stack.ss_size = stack.size();
    fiber_context.uc_link = nullptr;
    makecontext(&fiber_context, &fiber_body, 0);
}
// endregion

// Runs `scene` in a child process and says how the child ended.
template <class Scene>
void in_child(char const* title, Scene scene) {
    fmt::print("{}\n", title);
    std::fflush(stdout);  // or the child would print the parent's buffered lines again
    pid_t const child = fork();
    if (child < 0) std::exit(1);
    if (child == 0) {
        scene();
        std::fflush(stdout);
        std::_Exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status))
        fmt::print("  the child was killed by {}\n", WTERMSIG(status) == SIGUSR1 ? "SIGUSR1" : "another signal");
    else
        fmt::print("  the child exited with status {}\n", WEXITSTATUS(status));
}

}  // namespace

int main() {
    asyncio::FiberStack stack(64 * 1024);

    // region: mask
    fmt::print("the mask on both sides of a switch:\n");
    prepare_fiber(stack);
    fmt::print("  context prepared:              SIGUSR1 {}\n", sigusr1_state());
    block_sigusr1();  // later, as a program does before signalfd() or sigwait()
    fmt::print("  main blocks it:                SIGUSR1 {}\n", sigusr1_state());
    swapcontext(&main_context, &fiber_context);  // installs the mask getcontext recorded
    fmt::print("  back in main:                  SIGUSR1 {}\n", sigusr1_state());
    // endregion

    // region: killed
    in_child("blocked after getcontext, raised, then a switch into the fiber:", [&] {
        unblock_all();  // start as a fresh program would
        prepare_fiber(stack);
        block_sigusr1();
        raise(SIGUSR1);  // blocked, so it stays pending
        sigset_t pending;
        sigpending(&pending);
        fmt::print("  SIGUSR1 pending:               {}\n", sigismember(&pending, SIGUSR1) == 1 ? "yes" : "no");
        std::fflush(stdout);
        // The switch unblocks SIGUSR1; the kernel delivers it as the system call returns,
        // and its default action ends the process.
        swapcontext(&main_context, &fiber_context);
        fmt::print("  never printed\n");
    });
    // endregion

    // region: cured
    in_child("blocked before getcontext, raised, then a switch into the fiber:", [&] {
        unblock_all();
        block_sigusr1();  // first: every context prepared from now on records it blocked
        prepare_fiber(stack);
        raise(SIGUSR1);
        swapcontext(&main_context, &fiber_context);
        sigset_t wanted;
        sigemptyset(&wanted);
        sigaddset(&wanted, SIGUSR1);
        int received = 0;
        sigwait(&wanted, &received);  // returns at once: the signal is still pending
        fmt::print("  back in main, sigwait took:    {}\n", received == SIGUSR1 ? "SIGUSR1" : "another signal");
    });
    // endregion
}
