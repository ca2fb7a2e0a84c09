// A program running in the background while a test talks to it: a server the test
// starts, waits for ("Serving HTTP on ... port 41234"), uses, and stops. Chapter 11
// starts `python3 -m http.server` and the course's own HTTP server this way.
#pragma once

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace testing {

class BackgroundProcess {
public:
    // Starts `path args...` with its stdout and stderr in one pipe the test reads.
    BackgroundProcess(std::string const& path, std::vector<std::string> const& args,
                      std::vector<std::string> const& extra_env = {}) {
        int out[2];
        if (pipe(out) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
        env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
        std::vector<char*> envp;
        for (auto& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);
        std::vector<std::string> argv_strings{path};
        argv_strings.insert(argv_strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& s : argv_strings) argv.push_back(s.data());
        argv.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t all;
        sigfillset(&all);
        posix_spawnattr_setsigdefault(&attr, &all);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        int const rc = posix_spawnp(&pid_, path.c_str(), &actions, &attr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
        close(out[1]);
        if (rc != 0) {
            close(out[0]);
            throw std::system_error(rc, std::generic_category(), "posix_spawn " + path);
        }
        out_ = out[0];
    }
    BackgroundProcess(BackgroundProcess const&) = delete;
    BackgroundProcess& operator=(BackgroundProcess const&) = delete;

    // Stops it (SIGTERM, then SIGKILL if it is still there after two seconds).
    ~BackgroundProcess() { stop(); }

    // Reads what it prints until a line contains `needle`; that line, or nullopt when it
    // exited first or `timeout` passed. Everything read is kept in output().
    std::optional<std::string> wait_for_line(std::string const& needle,
                                             std::chrono::seconds timeout = std::chrono::seconds(20)) {
        auto const deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            for (std::size_t start = 0, end; (end = output_.find('\n', start)) != std::string::npos; start = end + 1) {
                std::string line = output_.substr(start, end - start);
                if (start >= scanned_ && line.find(needle) != std::string::npos) {
                    scanned_ = end + 1;
                    return line;
                }
            }
            auto const left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || out_ < 0) return std::nullopt;
            pollfd fd{out_, POLLIN, 0};
            int const n = poll(&fd, 1, static_cast<int>(left.count()));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return std::nullopt;
            char buffer[4096];
            ssize_t const got = read(out_, buffer, sizeof buffer);
            if (got > 0) {
                output_.append(buffer, static_cast<std::size_t>(got));
            } else if (got == 0 || errno != EINTR) {
                close(out_);
                out_ = -1;
            }
        }
    }

    std::string const& output() const { return output_; }
    pid_t pid() const { return pid_; }

    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 200; ++i) {
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            }
            usleep(10000);
        }
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            pid_ = -1;
        }
        if (out_ >= 0) close(out_);
        out_ = -1;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string output_;
    std::size_t scanned_ = 0;
};

// The path of `name` on PATH, or "" when it is not installed.
inline std::string find_on_path(std::string const& name) {
    char const* path = std::getenv("PATH");
    std::string rest = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= rest.size()) {
        std::size_t const end = rest.find(':', start);
        std::string dir = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::string const candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return "";
}

}  // namespace testing
