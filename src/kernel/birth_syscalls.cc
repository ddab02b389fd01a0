#include "kernel/birth_syscalls.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/json.h"
#include "base/panic.h"

namespace swingset {
namespace {
// Raw syscalls: Debian 12's glibc 2.36 declares pidfd_open() without C linkage.
int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
void pidfdKill(int fd) { ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0); }
constexpr const char* kOk = R"(["ok",null])";
constexpr const char* kAbandoned = R"(["error","the kernel abandoned this vat before it was created"])";
std::string okWith(const std::string& s) { return toJson(Json::array({"ok", s})); }
}  // namespace

// The answers VatSyscalls::vatstore gives a vat whose vatstore holds exactly vatstore_. Anything
// else, a malformed vatstore syscall included, is left to the kernel.
std::optional<std::string> BirthSyscalls::answerFromMemory(std::string_view vso) {
  std::optional<Json> s = parseJson(vso);
  if (!s || !s->is_array() || s->size() < 2 || !(*s)[0].is_string() || !(*s)[1].is_string()) return std::nullopt;
  const std::string& kind = (*s)[0].get_ref<const std::string&>();
  const std::string& key = (*s)[1].get_ref<const std::string&>();
  if (kind == "vatstoreGet" && s->size() == 2) {
    auto it = vatstore_.find(key);
    return it != vatstore_.end() && !it->second.empty() ? okWith(it->second) : kOk;  // `value || null`
  }
  if (kind == "vatstoreGetNextKey" && s->size() == 2) {
    auto it = vatstore_.upper_bound(key);
    return it != vatstore_.end() ? okWith(it->first) : kOk;
  }
  if (kind == "vatstoreSet" && s->size() == 3 && (*s)[2].is_string()) {
    vatstore_[key] = (*s)[2].get<std::string>();
    return kOk;
  }
  if (kind == "vatstoreDelete" && s->size() == 2) {
    vatstore_.erase(key);
    return kOk;
  }
  return std::nullopt;
}

std::string BirthSyscalls::syscall(std::string_view vso) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (abandoned_) return kAbandoned;
  if (!adopted_) {
    if (std::optional<std::string> answer = answerFromMemory(vso)) {
      answered_.emplace_back(vso, *answer);
      return *answer;
    }
  }
  request_ = std::string(vso);
  changed_.notify_all();
  changed_.wait(lock, [&] { return answer_ || abandoned_; });
  if (!answer_) return kAbandoned;
  std::string answer = std::move(*answer_);
  answer_.reset();
  return answer;
}

void BirthSyscalls::setWorker(pid_t pid) {
  std::lock_guard<std::mutex> lock(mutex_);
  workerPid_ = pid;
  workerPidfd_ = pidfdOpen(pid);
  if (abandoned_) killWorker();
}

void BirthSyscalls::killWorker() {
  if (workerPidfd_ >= 0) {
    pidfdKill(workerPidfd_);
  } else if (workerPid_ > 0) {
    ::kill(workerPid_, SIGKILL);
  }
}

bool BirthSyscalls::begin(bool ready) {
  std::lock_guard<std::mutex> lock(mutex_);
  delivering_ = ready && !abandoned_;
  changed_.notify_all();
  return *delivering_;
}

void BirthSyscalls::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!delivering_.has_value()) delivering_ = false;
  finished_ = true;
  workerPid_ = 0;
  if (workerPidfd_ >= 0) ::close(std::exchange(workerPidfd_, -1));
  changed_.notify_all();
}

bool BirthSyscalls::waitUntilBegun() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return delivering_.has_value(); });
  return *delivering_;
}

void BirthSyscalls::adopt(SyscallHandler& real) {
  std::unique_lock<std::mutex> lock(mutex_);
  SS_INSIST(!abandoned_ && !adopted_, "a birth adopted twice or after it was abandoned");
  // mutex_ is held throughout: the vat's thread, at its next syscall, waits until they are replayed.
  for (const auto& [vso, answer] : answered_) {
    std::string got = real.syscall(vso);
    SS_INSIST(got == answer, "a new vat's syscall {} was answered {} ahead of its crank, but {} in it", vso, answer, got);
  }
  answered_.clear();
  adopted_ = true;
  for (;;) {
    changed_.wait(lock, [&] { return request_ || finished_; });
    if (!request_) return;
    std::string vso = std::move(*request_);
    request_.reset();
    lock.unlock();
    std::string answer = real.syscall(vso);
    lock.lock();
    answer_ = std::move(answer);
    changed_.notify_all();
  }
}

BirthSyscalls::~BirthSyscalls() {
  if (workerPidfd_ >= 0) ::close(workerPidfd_);
}

void BirthSyscalls::abandon() {
  std::lock_guard<std::mutex> lock(mutex_);
  abandoned_ = true;
  killWorker();
  changed_.notify_all();
}

}  // namespace swingset
