// Run a lesson program as a child process and capture what it did: exit code or
// signal, stdout and stderr. Used for golden-output tests (chapter 00) and for
// programs that are expected to crash cleanly (a fiber's stack overflow, chapter 01).
#pragma once

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

extern char** environ;

namespace testing {

struct ProcessResult {
    int exit_code = -1;  // -1 if the child was killed by a signal
    int signal = 0;      // the signal that killed it, or 0
    bool timed_out = false;
    std::string out;
    std::string err;
    double seconds = 0;  // wall-clock time the child ran
};

// Runs `path args...` with extra environment entries ("NAME=value") added to ours.
// The child is killed with SIGKILL after `timeout` (and timed_out is set).
inline ProcessResult run_program(std::string const& path, std::vector<std::string> const& args = {},
                                 std::vector<std::string> const& extra_env = {},
                                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
    int out_pipe[2], err_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::system_error(errno, std::generic_category(), "pipe");

    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    for (auto const& extra : extra_env) env_strings.push_back(extra);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    // ASYNCIO_TEST_EMULATOR (tools/arm64_check.sh: qemu-aarch64-static): the program is
    // another CPU's, run through that emulator. Unset, the program runs itself.
    std::string program = path;
    std::vector<std::string> argv_strings{path};
    if (char const* emulator = std::getenv("ASYNCIO_TEST_EMULATOR"); emulator != nullptr && *emulator != '\0') {
        program = emulator;
        argv_strings.insert(argv_strings.begin(), program);
    }
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    posix_spawn_file_actions_addclose(&actions, err_pipe[0]);

    // The child starts with default signal dispositions, whatever Catch2 installed.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    auto const start = std::chrono::steady_clock::now();
    pid_t pid = 0;
    int const rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        throw std::system_error(rc, std::generic_category(), "posix_spawn " + path);
    }

    ProcessResult result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_count = 2;
    auto const deadline = start + timeout;
    while (open_count > 0) {
        auto const left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            result.timed_out = true;
            break;
        }
        int const n = poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buffer[4096];
            ssize_t const got = read(fds[i].fd, buffer, sizeof buffer);
            if (got > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);

    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    return result;
}

// The folder of the running test program. The build puts each test program beside
// the lesson programs of the same build (build/<preset>/bin/<variant>/).
// (A hand build may instead define COURSE_BIN_DIR.)
inline std::string bin_dir() {
#ifdef COURSE_BIN_DIR
    return COURSE_BIN_DIR;
#endif
    char buffer[4096];
    ssize_t const n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) throw std::system_error(errno, std::generic_category(), "readlink /proc/self/exe");
    std::string path(buffer, static_cast<size_t>(n));
    return path.substr(0, path.rfind('/'));
}

// Runs one of the lesson programs built for the same build as this test, e.g.
// run_example("ch01_stack_overflow"). Sleeps are scaled down 100x unless the
// caller sets ASYNCIO_TIME_SCALE itself.
inline ProcessResult run_example(std::string const& name, std::vector<std::string> const& args = {},
                                 std::vector<std::string> extra_env = {},
                                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
    bool has_scale = false;
    for (auto const& e : extra_env) has_scale = has_scale || e.rfind("ASYNCIO_TIME_SCALE=", 0) == 0;
    if (!has_scale) extra_env.emplace_back("ASYNCIO_TIME_SCALE=0.01");
    return run_program(bin_dir() + "/" + name, args, extra_env, timeout);
}

}  // namespace testing
