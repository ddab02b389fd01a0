#include "base/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "base/panic.h"

extern char** environ;

namespace swingset {

std::string ExitStatus::describe() const {
  return signaled ? fmt::format("killed by signal {}", signal) : fmt::format("exit code {}", code);
}

ChildProcess::ChildProcess(const SpawnSpec& spec) {
  // Move every source fd above the targets first, so one dup2 cannot clobber another source.
  std::vector<Fd> high;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (spec.nullStdin) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  for (auto [childFd, parentFd] : spec.fds) {
    int h = ::fcntl(parentFd, F_DUPFD_CLOEXEC, 64);
    SS_INSIST(h >= 0, "fcntl(F_DUPFD_CLOEXEC) failed: {}", std::strerror(errno));
    high.emplace_back(h);
    posix_spawn_file_actions_adddup2(&fa, h, childFd);  // dup2 clears close-on-exec
  }
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, spec.path.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    pid_ = -1;
    panic(fmt::format("cannot start {}: {}", spec.path, std::strerror(rc)));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

void ChildProcess::kill(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<ExitStatus> ChildProcess::wait(Clock::time_point deadline) {
  if (status_ || pid_ <= 0) return status_;
  auto pause = std::chrono::microseconds(200);
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, deadline == kNoDeadline ? 0 : WNOHANG);
    if (r == pid_) {
      ExitStatus s;
      s.signaled = WIFSIGNALED(st);
      s.code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
      s.signal = s.signaled ? WTERMSIG(st) : 0;
      status_ = s;
      return status_;
    }
    if (r < 0 && errno != EINTR) panic(fmt::format("waitpid({}) failed: {}", pid_, std::strerror(errno)));
    if (r == 0) {
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(20000));
    }
  }
}

}  // namespace swingset
