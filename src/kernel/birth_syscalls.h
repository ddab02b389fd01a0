#pragma once
// BirthSyscalls: the syscalls of a new vat's startVat while it runs ahead of its crank (create-vat,
// or a static vat's first startVat), on a thread of its own (VatWarehouse::bearAhead). A vat is born with an empty vatstore that only
// the vat itself can write, so until its crank comes, its vatstore syscalls are answered from
// memory; any other syscall waits for the crank. The crank then adopts the delivery: it passes the
// syscalls answered so far to the real handler, which must give the same answers, and answers
// every later one itself. So the transcript and the kernel's state come out as if the delivery had
// started in the crank; only its wall-clock time moved.
#include <sys/types.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "worker/worker.h"

namespace swingset {

class BirthSyscalls final : public SyscallHandler {
 public:
  // On the birth thread, inside the delivery.
  std::string syscall(std::string_view vso) override;
  // On the birth thread, once its worker runs: the process abandon() kills, so that a birth
  // abandoned while its worker loads the bundle or runs startVat ends at once.
  void setWorker(pid_t pid);
  // On the birth thread, before the delivery: whether to make it (false if `ready` is false or the
  // birth was abandoned).
  bool begin(bool ready);
  // On the birth thread: the delivery is over.
  void finish();

  // On the kernel thread: whether the delivery began (waits until it begins or fails to).
  bool waitUntilBegun();
  // On the kernel thread, in the crank: `real` answers the syscalls answered so far again (a
  // different answer is a kernel panic) and then every later one, until the delivery is over.
  void adopt(SyscallHandler& real);
  // The crank will not come: a waiting syscall, and every later one, gets an error, and the worker
  // is killed (a startVat that loops forever must not hold a shutdown).
  void abandon();
  ~BirthSyscalls() override;

 private:
  std::optional<std::string> answerFromMemory(std::string_view vso);
  void killWorker();  // with mutex_ held

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::string> vatstore_;  // ordered as the kvStore orders keys (bytewise)
  std::vector<std::pair<std::string, std::string>> answered_;  // (VSO, VSR) before adoption
  std::optional<bool> delivering_;
  // From setWorker() to finish(). The pidfd names that process even after the birth thread reaps
  // it; only where pidfd_open is refused (a seccomp filter) is the bare pid used.
  pid_t workerPid_ = 0;
  int workerPidfd_ = -1;
  bool adopted_ = false;
  bool abandoned_ = false;
  bool finished_ = false;
  std::optional<std::string> request_;  // a syscall waiting for the kernel thread
  std::optional<std::string> answer_;   // its answer
};

}  // namespace swingset
