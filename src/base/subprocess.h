#pragma once
// A child process with chosen file descriptors, always reaped: the destructor kills (SIGKILL) and
// waits for a child that is still running, so no zombie outlives its ChildProcess.
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/fd.h"

namespace swingset {

struct ExitStatus {
  int code = 0;    // exit code when !signaled
  int signal = 0;  // terminating signal when signaled
  bool signaled = false;
  std::string describe() const;  // "exit code 17" / "killed by signal 9"
};

struct SpawnSpec {
  std::string path;
  std::vector<std::string> argv;  // argv[0] included
  // child fd -> parent fd to place there (dup2'd); every other fd of ours is close-on-exec.
  std::vector<std::pair<int, int>> fds;
  bool nullStdin = true;
};

class ChildProcess {
 public:
  // Panics if the executable cannot be started.
  explicit ChildProcess(const SpawnSpec& spec);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Waits until the child exits or `deadline` passes (nullopt then).
  std::optional<ExitStatus> wait(Clock::time_point deadline = kNoDeadline);
  std::optional<ExitStatus> exitStatus() const { return status_; }
  void kill(int sig);

 private:
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

}  // namespace swingset
