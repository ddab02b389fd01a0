#pragma once
// Owned file descriptors and deadline-bounded pipe I/O for talking to child processes.
#include <chrono>
#include <cstddef>
#include <string_view>
#include <utility>

namespace swingset {

using Clock = std::chrono::steady_clock;
// No deadline: wait as long as it takes.
inline constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};
Pipe makePipe();  // both ends close-on-exec; panics if the OS refuses

enum class IoStatus { kOk, kEof, kTimeout, kError };

// Writes all of `data` to a non-blocking or blocking fd, waiting at most until `deadline`.
IoStatus writeAll(int fd, std::string_view data, Clock::time_point deadline);
// Reads what is available (at least one byte) into buf, waiting at most until `deadline`.
IoStatus readSome(int fd, char* buf, size_t cap, size_t& got, Clock::time_point deadline);

}  // namespace swingset
