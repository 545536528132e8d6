#pragma once

/// Runs a program (the real nbsched binary) for end-to-end tests: stdout and stderr are piped,
/// lines are read with poll(2) and a deadline (never a sleep), and the process is stopped with
/// SIGTERM (then SIGKILL) when the object goes away.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace nbsched::testing {

class Subprocess {
 public:
  explicit Subprocess(const std::vector<std::string>& argv) {
    int out[2];
    int err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      close(out[0]);
      close(err[0]);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess() {
    Terminate();
    if (out_fd_ >= 0) close(out_fd_);
    if (err_fd_ >= 0) close(err_fd_);
  }

  bool started() const { return pid_ > 0; }
  void Signal(int sig) {
    if (pid_ > 0) kill(pid_, sig);
  }

  /// Next stdout line (without '\n'), or nullopt on EOF or when the deadline passes.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    return ReadLineFrom(out_fd_, out_buffer_, timeout);
  }
  /// Everything left on stderr until EOF or the deadline (after the process ended).
  std::string ReadAllStderr(std::chrono::milliseconds timeout) {
    std::string all;
    while (auto line = ReadLineFrom(err_fd_, err_buffer_, timeout)) all += *line + "\n";
    return all + err_buffer_;
  }

  /// SIGTERM, then waits for the exit status (SIGKILL after `grace`). Returns the exit code, or
  /// 128 + signal.
  int Terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(10000)) {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    return Wait(grace);
  }
  int Wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_code_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      // Wait for the child's stdout/stderr to close (it exits) or a short poll tick.
      pollfd fds[1] = {{out_fd_, POLLIN, 0}};
      poll(fds, 1, 20);
      char drain[4096];
      if (fds[0].revents & POLLIN) {
        ssize_t n = read(out_fd_, drain, sizeof drain);
        if (n > 0) out_buffer_.append(drain, static_cast<size_t>(n));
      }
    }
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

 private:
  static std::optional<std::string> ReadLineFrom(int fd, std::string& buffer,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer.find('\n'); nl != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd < 0) return std::nullopt;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char chunk[4096];
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int exit_code_ = -1;
  std::string out_buffer_;
  std::string err_buffer_;
};

}  // namespace nbsched::testing
