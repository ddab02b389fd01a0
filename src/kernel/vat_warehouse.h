#pragma once
// VatWarehouse: the vats that have a live worker. A vat is brought online only when a delivery
// needs it (or ahead of time by preload()): its worker starts from the latest heap snapshot, or
// from its bundles, then replays the current transcript span, answering syscalls from the
// transcript, never from kernel state. Every delivery it makes is appended to the vat's transcript
// in the same crank. At most maxVatsOnline workers live; when one must go offline, it is chosen
// so that a sweep over more vats than fit does not flush the vats in steady use (chooseVictim()),
// and it saves a heap snapshot first if its span is long.
// Invariants: a worker's heap always equals "snapshot + current span"; after a crank rollback the
// kernel evicts the vat, so no worker ever holds state the store does not. Only the kernel thread
// touches the store; preload threads get everything they need read out beforehand.
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "kernel/state/kernel_state.h"
#include "store/kernel_storage.h"
#include "store/snap_store.h"
#include "worker/worker.h"
#include "worker/snapshot_buffer.h"
#include "worker/worker_packages.h"
#include "worker/xsnap_worker.h"

namespace swingset {

struct WarehouseOptions {
  uint64_t snapshotInitial = 3;
  uint64_t snapshotInterval = 200;
  bool restartWorkerOnSnapshot = true;
  bool bearAhead = true;  // see VatWarehouse::bearAhead()
  bool relaxDurabilityRules = false;
  size_t maxVatsOnline = 50;
  std::chrono::milliseconds hangTimeout{0};
  std::filesystem::path supervisorCache;  // a SupervisorCache file; empty: none, build it per process
  ConsoleSink* console = nullptr;  // live console lines; fed during replay only if replayConsole
  bool replayConsole = false;
  // Called while a long span replays (vatID, name, replayed, total); may run on a preload thread.
  std::function<void(const std::string&, const std::string&, uint64_t, uint64_t)> onReplayProgress;
};

struct WarehouseStats {
  std::atomic<uint64_t> deliveries{0};
  std::atomic<uint64_t> replayedDeliveries{0};
  std::atomic<uint64_t> workerSpawns{0};
  std::atomic<uint64_t> snapshotLoads{0};
  std::atomic<uint64_t> snapshotSaves{0};
  std::atomic<uint64_t> bornAhead{0};
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
  // Starts bringing these vats online in the background, in parallel on the machine's cores, a
  // few at a time: preloadSome(), called between cranks, starts the next ones.
  void preload(const std::vector<std::string>& vatIDs);
  void preloadSome();
  // The vats the next run-queue deliveries go to, soonest first (Kernel::loadAhead): the next
  // preloadSome() starts loading those offline before anything else.
  void setUpcoming(std::vector<std::string> vatIDs);
  // A new vat's startVat (a dynamic vat's, or a static vat's first), run ahead of its crank
  // (Kernel::loadAhead), so that when vats start several at once each one's bundle import (~180 ms
  // of a new vat's worker) overlaps the cranks before it. The crank's deliver() adopts it
  // (BirthSyscalls) if the vat turned out as planned, else abandons it and starts the vat as usual.
  struct BirthPlan {
    std::string bundleID;
    Json options;        // as vNN.options will hold them
    std::string bundle;  // the bundle's JSON
    std::string vdo;     // the startVat delivery
  };
  bool canBearAhead() const { return options_.bearAhead && births_.size() < kMaxBirths; }
  // False if there is no room, or the vat is online, loading or being born already.
  bool bearAhead(const std::string& vatID, BirthPlan plan);
  bool bearing(const std::string& vatID) const { return births_.count(vatID) > 0; }
  // Abandons the births of vats not among these (the item that starts them left the run-queue
  // unprocessed: a rollback).
  void keepBirths(const std::vector<std::string>& vatIDs);
  // Stops the vat's worker, if online (termination, rollback, shutdown).
  void evict(const std::string& vatID);
  // Upgrade: stops the worker, ends the transcript with shutdown-worker, drops the snapshot and
  // opens the next incarnation's span; the next delivery starts a worker from the vat's (new)
  // source. Returns the new incarnation number.
  uint64_t beginNewIncarnation(const std::string& vatID);
  // Stores the snapshots still being compressed: all of them (the host must call it before
  // commit()), or only those already compressed plus enough to bound the memory they hold.
  // Only between cranks: a crank rollback must never undo a snapshot row whose pending entry is
  // gone, while the transcript entries naming it (from an earlier crank) stay.
  void flushSnapshots(bool all = true);
  // Stores the vat's current pending snapshot, if any, before its span stops being current
  // (upgrade, termination, its next snapshot): the row must exist, as in SwingSet, however fast
  // the gzip was. The entry stays: if this crank rolls back, the span is current again and a
  // flush stores it; if not, it is stale by then and the flush drops it.
  void storeNow(const std::string& vatID);
  // Most recently used first; with the vats that went offline only for a heap snapshot, which
  // the host preloads after a restart like the vats still online.
  std::vector<std::string> onlineVats() const;
  const WarehouseStats& stats() const { return stats_; }
  void shutdown();

 private:
  struct VatLoad;
  std::shared_ptr<VatLoad> prepareLoad(const std::string& vatID);
  std::unique_ptr<XsnapWorker> load(VatLoad& load);
  void startPreload(const std::string& vatID, bool ahead);
  std::unique_ptr<SnapshotBuffer> takeLoadBuffer();
  void giveBackLoadBuffer(std::unique_ptr<SnapshotBuffer> buffer);
  XsnapOptions workerOptions(const std::string& vatID, const Json& options) const;
  // The lockdown and supervisor bundle IDs a vat with these vNN.options was made with, if they
  // are not this kernel's packages (which changed since, or the vat came from another kernel).
  std::optional<Json> otherWorkerBundles(const Json& options) const;
  // Those bundles, from the bundle store, as SwingSet's worker bundle handler gets them: such a
  // vat starts from them, never from our packages, so its replay runs the code it was made with.
  // Null if the vat's bundles are ours; a panic naming the vat if one is missing.
  std::shared_ptr<WorkerPackages> recordedWorkerBundles(const std::string& vatID, const Json& options);
  const SnapshotBuffer& supervisorSnapshot();
  std::unique_ptr<XsnapWorker> startFromSupervisor(const XsnapOptions& options);
  std::unique_ptr<XsnapWorker> newVatWorker(const XsnapOptions& options);
  XsnapWorker& ensureOnline(const std::string& vatID);
  void recordInitializeWorker(const std::string& vatID, const std::string& bundleID, const Json& options);
  std::string liveSlotsOptions(const Json& options) const;
  void admit(const std::string& vatID, std::unique_ptr<XsnapWorker> worker);
  bool hasSnapshot(const std::string& vatID);
  void recordDelivery(const std::string& vatID, const std::string& vdo, const std::string& sc, const DeliveryResult& r);
  DeliveryResult deliverAndRecord(const std::string& vatID, XsnapWorker& worker,
                                  const std::string& vdo, SyscallHandler& syscalls);
  // With restartWorkerOnSnapshot, the vat goes offline: it goes on in a new worker started from
  // the snapshot.
  void saveSnapshot(const std::string& vatID, XsnapWorker& worker);

  KernelStorage& storage_;         // owned by the host's SwingStore
  KernelState& kernel_;            // owned by the Kernel
  const WorkerPackages& packages_; // owned by the Controller
  WarehouseOptions options_;
  WarehouseStats stats_;
  struct Online {
    std::unique_ptr<XsnapWorker> worker;
    uint64_t lastUsed = 0;
    uint64_t admittedAt = 0;
    bool reused = false;  // used again after another vat ran: see chooseVictim()
    void stop();  // kills the worker: everything it had is in the store
  };
  std::map<std::string, Online> online_;
  // Vats retired by saveSnapshot() and not brought back since, with when they were last used.
  std::map<std::string, uint64_t> snapshotted_;
  // Workers going offline are killed and reaped on a thread of their own: the exit of a worker
  // with a 10 MB heap takes several ms, and no crank need wait for it. Joined by shutdown().
  std::vector<std::future<void>> retiring_;
  void retire(Online o);
  void pruneRetiring();  // drops the futures of workers already gone
  std::map<std::string, Online>::iterator chooseVictim(const std::string& keep);
  uint64_t useClock_ = 0;
  std::string lastVat_;  // the vat ensureOnline() served last
  // A vat being brought online in the background. Whoever sets `started` first loads it: the
  // preload thread once it gets a core, or the kernel thread if it needs the vat before that.
  struct Preload {
    std::shared_ptr<VatLoad> load;
    std::shared_ptr<std::atomic<bool>> started;
    std::future<std::unique_ptr<XsnapWorker>> worker;  // null if the kernel thread took over
    bool ahead = false;  // loaded for an upcoming delivery (setUpcoming), not a restart preload
  };
  std::map<std::string, Preload> loading_;
  // The vat is not wanted online after all: waits for its preload only if it is under way.
  void cancelPreload(Preload& p);
  std::deque<std::string> toPreload_;  // vats to preload once the ones under way are done
  std::vector<std::string> upcoming_;  // see setUpcoming()
  // Preloads the kernel thread took over, or cancelled before they started: they yield no worker.
  std::vector<std::future<std::unique_ptr<XsnapWorker>>> abandoned_;
  // A worker's heap right after lockdown and the supervisor, made on first need; new vats start
  // from it. Preload threads share it, hence the mutex.
  std::mutex supervisorSnapshotMutex_;
  std::unique_ptr<SnapshotBuffer> supervisorSnapshot_;  // guarded by supervisorSnapshotMutex_
  // Memfds that loads inflate heaps into, reused (see takeLoadBuffer()).
  std::mutex loadBuffersMutex_;
  std::vector<std::unique_ptr<SnapshotBuffer>> loadBuffers_;  // guarded by loadBuffersMutex_
  // A warm spare: a worker already started from the supervisor snapshot, so a new vat does not
  // wait for a process to start. Made after the first new vat of this process, then kept ready.
  std::mutex spareMutex_;
  std::future<std::unique_ptr<XsnapWorker>> spare_;  // guarded by spareMutex_
  // Snapshots whose hash and transcript entries are recorded but whose gzip is still being made
  // on a background thread (gzip of a 10 MB heap takes ~50 ms; the kernel need not wait).
  // Invariant: flushed, in order, before any commit and before the vat's snapshot is read.
  // A vat being loaded meanwhile starts from `raw`. A pending snapshot is stale, and is dropped,
  // once its span is no longer the vat's current one (the vat was upgraded or terminated).
  struct PendingSnapshot {
    std::string vatID;
    SnapshotInfo info;
    std::shared_ptr<SnapshotBuffer> raw;
    std::shared_future<std::string> gzip;  // shared: storeNow() and then a flush may both read it
  };
  bool isCurrent(const PendingSnapshot& p);
  void store(const PendingSnapshot& p);  // waits for its gzip; a failure breaks the store
  const PendingSnapshot* currentPending(const std::string& vatID);
  std::deque<PendingSnapshot> pending_;
  // Births under way or done and waiting for their crank, by vatID. Each holds a worker.
  struct Birth;
  static constexpr size_t kMaxBirths = 2;  // 3 gained nothing on 2 cores (CPU-bound at 1.8)
  std::map<std::string, std::shared_ptr<Birth>> births_;
  DeliveryResult adopt(const std::string& vatID, Birth& birth, SyscallHandler& syscalls);
  void abandon(std::shared_ptr<Birth> birth);
};

}  // namespace swingset
