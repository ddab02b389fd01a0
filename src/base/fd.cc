#include "base/fd.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "base/panic.h"

namespace swingset {

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Pipe makePipe() {
  int fds[2];
  SS_INSIST(::pipe2(fds, O_CLOEXEC) == 0, "pipe2 failed: errno {}", errno);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

namespace {

// Waits for `events` on fd; false on timeout.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    int timeoutMs = -1;
    if (deadline != kNoDeadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      timeoutMs = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, timeoutMs);
    if (r > 0) return true;  // readable, writable, hung up or error: the next syscall says which
    if (r == 0) continue;    // loop re-checks the deadline
    if (errno != EINTR) return true;
  }
}

}  // namespace

IoStatus writeAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    if (!waitFor(fd, POLLOUT, deadline)) return IoStatus::kTimeout;
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return errno == EPIPE ? IoStatus::kEof : IoStatus::kError;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return IoStatus::kOk;
}

IoStatus readSome(int fd, char* buf, size_t cap, size_t& got, Clock::time_point deadline) {
  got = 0;
  for (;;) {
    if (!waitFor(fd, POLLIN, deadline)) return IoStatus::kTimeout;
    ssize_t n = ::read(fd, buf, cap);
    if (n > 0) {
      got = static_cast<size_t>(n);
      return IoStatus::kOk;
    }
    if (n == 0) return IoStatus::kEof;
    if (errno != EINTR && errno != EAGAIN) return IoStatus::kError;
  }
}

}  // namespace swingset
