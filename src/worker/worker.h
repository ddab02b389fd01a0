#pragma once
// A vat's running code, spoken to in liveslots' delivery/syscall JSON. The worker layer sees
// deliveries (VatDeliveryObject) and syscalls (VatSyscallObject) as opaque JSON text; it never
// sees c-lists or kernel refs. XsnapWorker runs an xsnap-worker child process.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swingset {

// Answers one syscall synchronously with a VatSyscallResult, e.g. `["ok",null]`. The vat is
// blocked until it returns. Owned by the caller of deliver(); used only during that call.
class SyscallHandler {
 public:
  virtual ~SyscallHandler() = default;
  virtual std::string syscall(std::string_view vatSyscallObjectJson) = 0;
};

// Receives vat console output (`sourcedConsole` upcalls): never part of the transcript.
// `source` is "vat" (user code), "ls" (liveslots), "xsnap" (raw print) or "testLog".
class ConsoleSink {
 public:
  virtual ~ConsoleSink() = default;
  virtual void console(std::string_view vatName, std::string_view source, std::string_view level,
                       const std::vector<std::string>& args) = 0;
};

class SnapshotBuffer;

struct MeterUsage {
  uint64_t compute = 0;  // computrons: the only field the kernel keeps (transcript, meters)
  uint64_t currentHeapCount = 0;
  uint64_t allocate = 0;
};

enum class DeliveryStatus {
  kOk,              // liveslots finished: reply is ["ok", X, null]
  kVatError,        // liveslots failed the delivery: reply is ["error", message, null]
  kMeterExceeded,   // the worker exited 17/12/11 (compute, stack, allocate): a vat fault
  kWorkerDied,      // crashed, killed, or closed its pipes mid-delivery
  kTimedOut,        // no word from the worker within the hang limit; it was killed
  kProtocolError,   // the worker or supervisor broke the protocol (e.g. ["err",...]); it was killed
};

struct DeliveryResult {
  DeliveryStatus status = DeliveryStatus::kOk;
  std::string reply;    // the supervisor's VatDeliveryResult JSON (kOk and kVatError only)
  std::string problem;  // for everything but kOk: what happened, naming the vat
  MeterUsage meter;     // kOk and kVatError only
  bool ok() const { return status == DeliveryStatus::kOk; }
  // The worker failed, not the vat: a death mid-delivery (the OOM killer, a kill), a hang, a
  // protocol breach. Nothing the vat did, and so not consensus: the kernel panics and commits
  // nothing, as SwingSet does, and after a restart the vat is rebuilt and the delivery runs again.
  bool workerFailed() const {
    return status == DeliveryStatus::kWorkerDied || status == DeliveryStatus::kTimedOut ||
           status == DeliveryStatus::kProtocolError;
  }
};

struct SavedSnapshot {
  uint64_t size = 0;
  std::string hash;  // sha256 hex of the raw heap snapshot
};

class Worker {
 public:
  virtual ~Worker() = default;
  // Sends one VatDeliveryObject and answers its syscalls through `onSyscall`. After any status
  // but kOk/kVatError the worker is dead and must be discarded.
  virtual DeliveryResult deliver(std::string_view vatDeliveryObjectJson,
                                 SyscallHandler& onSyscall) = 0;
  // Writes the heap into `heap`. A worker started from this snapshot is in the same state.
  // Throws KernelPanic if the worker fails while writing.
  virtual SavedSnapshot saveSnapshot(SnapshotBuffer& heap) = 0;
  // Orderly exit; the process is reaped. Safe to call twice.
  virtual void shutdown() = 0;
};

}  // namespace swingset
