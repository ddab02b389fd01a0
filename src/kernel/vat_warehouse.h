#pragma once
// VatWarehouse: the vats that have a live worker. A vat is brought online only when a delivery
// needs it: its worker starts from the latest heap snapshot (or from its bundles), then replays
// the current transcript span, answering syscalls from the transcript, never from kernel state.
// Every delivery it makes is appended to the vat's transcript in the same crank.
// Invariants: a worker's heap always equals "snapshot + current span"; after a crank rollback the
// kernel evicts the vat, so no worker ever holds state the store does not.
#include <chrono>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "kernel/state/kernel_state.h"
#include "store/snap_store.h"
#include "store/kernel_storage.h"
#include "worker/worker.h"
#include "worker/worker_packages.h"
#include "worker/xsnap_worker.h"

namespace swingset {


struct WarehouseOptions {
  uint64_t snapshotInitial = 3;
  uint64_t snapshotInterval = 200;
  bool restartWorkerOnSnapshot = true;
  bool relaxDurabilityRules = false;
  std::chrono::milliseconds hangTimeout{0};
  ConsoleSink* console = nullptr;  // live console lines; never fed during replay
};

class VatWarehouse {
 public:
  VatWarehouse(KernelStorage& storage, KernelState& kernel, const WorkerPackages& packages,
               WarehouseOptions options);
  ~VatWarehouse();

  // Delivers `vdo` (vat-side JSON) to the vat, bringing it online first, and records the
  // transcript entry. `syscalls` executes the vat's syscalls for real.
  DeliveryResult deliver(const std::string& vatID, const std::string& vdo, SyscallHandler& syscalls);
  // After a delivery crank that was not aborted: takes a heap snapshot when the policy says so
  // (a bringOutYourDead first, whose syscalls go to `syscalls`).
  void maybeSaveSnapshot(const std::string& vatID, SyscallHandler& syscalls);
  // Stops the vat's worker, if online (termination, rollback, shutdown).
  void evict(const std::string& vatID);
  // Stores every snapshot still being compressed. The host must call it before commit().
  void flushSnapshots();
  void shutdown();
  size_t onlineCount() const { return online_.size(); }

 private:
  XsnapOptions workerOptions(const std::string& vatID, const Json& options) const;
  XsnapWorker& ensureOnline(const std::string& vatID);
  bool hasSnapshot(const std::string& vatID);
  void replaySpan(const std::string& vatID, XsnapWorker& worker);
  DeliveryResult deliverAndRecord(const std::string& vatID, XsnapWorker& worker,
                                  const std::string& vdo, SyscallHandler& syscalls);
  void saveSnapshot(const std::string& vatID, XsnapWorker& worker);

  KernelStorage& storage_;         // owned by the host's SwingStore
  KernelState& kernel_;            // owned by the Kernel
  const WorkerPackages& packages_; // owned by the Controller
  WarehouseOptions options_;
  std::map<std::string, std::unique_ptr<XsnapWorker>> online_;
  // Snapshots whose hash and transcript entries are recorded but whose gzip is still being made
  // on a background thread (gzip of a 10 MB heap takes ~250 ms; the kernel need not wait).
  // Invariant: flushed, in order, before any commit and before the vat's snapshot is read.
  struct PendingSnapshot {
    std::string vatID;
    SnapshotInfo info;
    std::future<std::string> gzip;
  };
  std::deque<PendingSnapshot> pending_;
};

}  // namespace swingset
