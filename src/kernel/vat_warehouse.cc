#include "kernel/vat_warehouse.h"

#include <algorithm>
#include <semaphore>
#include <mutex>
#include <optional>
#include <thread>

#include "base/panic.h"
#include "kernel/birth_syscalls.h"
#include "kernel/state/vat_state.h"
#include "kernel/supervisor_cache.h"
#include "store/bundle_store.h"
#include "store/snap_store.h"
#include "store/transcript_store.h"
#include "worker/snapshot_buffer.h"
#include "worker/xsnap_worker.h"

namespace swingset {
namespace {

constexpr const char* kBringOutYourDead = R"(["bringOutYourDead"])";

// Passes syscalls to the kernel and records each `{"s":VSO,"r":VSR}` for the transcript.
class RecordingHandler : public SyscallHandler {
 public:
  explicit RecordingHandler(SyscallHandler& inner) : inner_(inner) {}
  std::string syscall(std::string_view vso) override {
    std::string r = inner_.syscall(vso);
    if (!sc_.empty()) sc_.push_back(',');
    sc_.append("{\"s\":").append(vso).append(",\"r\":").append(r).push_back('}');
    return r;
  }
  const std::string& sc() const { return sc_; }

 private:
  SyscallHandler& inner_;
  std::string sc_;
};

// Answers a replayed delivery's syscalls from its transcript entry, checking each one.
class ReplayHandler : public SyscallHandler {
 public:
  explicit ReplayHandler(const Json& sc) : sc_(sc) {}
  std::string syscall(std::string_view vso) override {
    size_t i = next_++;
    if (!mismatch_.empty()) return R"(["error","anachrophobia"])";
    std::optional<Json> got = parseJson(vso);
    if (i >= sc_.size()) {
      mismatch_ = fmt::format("syscall {}: expected none (the delivery made {} before), got {}", i, sc_.size(), vso);
    } else if (!got || *got != sc_[i]["s"]) {
      mismatch_ = fmt::format("syscall {}: expected {}, got {}", i, toJson(sc_[i]["s"]), vso);
    } else {
      return toJson(sc_[i]["r"]);
    }
    return R"(["error","anachrophobia"])";
  }
  // "" when the delivery made exactly the recorded syscalls.
  std::string finish() {
    if (mismatch_.empty() && next_ < sc_.size()) {
      mismatch_ = fmt::format("syscall {}: expected {}, got none", next_, toJson(sc_[next_]["s"]));
    }
    return mismatch_;
  }

 private:
  const Json& sc_;
  size_t next_ = 0;
  std::string mismatch_;
};

std::string transcriptResult(const DeliveryResult& r) {
  if (r.status == DeliveryStatus::kOk) {
    return fmt::format(R"({{"status":"ok","metering":{{"computrons":{}}}}})", r.meter.compute);
  }
  return R"({"status":"error"})";
}

// Console lines printed while a vat replays (replayConsole), held until the kernel thread brings
// the vat online: a replay may run on a preload thread, and the host's console callback is the
// kernel thread's alone.
class HeldConsole final : public ConsoleSink {
 public:
  void console(std::string_view vatName, std::string_view source, std::string_view level,
               const std::vector<std::string>& args) override {
    lines_.push_back({std::string(vatName), std::string(source), std::string(level), args});
  }
  void releaseTo(ConsoleSink* sink) {
    if (sink) {
      for (const Line& l : lines_) sink->console(l.vatName, l.source, l.level, l.args);
    }
    lines_.clear();
  }

 private:
  struct Line {
    std::string vatName, source, level;
    std::vector<std::string> args;
  };
  std::vector<Line> lines_;
};

}  // namespace

// Everything needed to bring one vat online, read from the store on the kernel thread, so the
// worker start and the replay can run on any thread.
struct VatWarehouse::VatLoad {
  std::string vatID;
  XsnapOptions options;
  std::optional<SnapStore::CompressedSnapshot> snapshot;  // start from this heap, or...
  std::shared_ptr<SnapshotBuffer> pendingSnapshot;         // ...this one, not yet stored, or else...
  std::string snapshotLabel;
  std::string bundle;  // ...from lockdown, supervisor and this vat bundle
  std::shared_ptr<WorkerPackages> ownWorkerBundles;  // the lockdown and supervisor it recorded, if not ours
  std::string liveSlotsOptions;
  uint64_t startPos = 0;  // transcript position of items[0]
  std::vector<std::string> items;  // the current span after its initialize-worker/load-snapshot
  HeldConsole replayed;  // what the replay printed, with replayConsole
};

// A new vat's worker and startVat, run ahead of its crank (bearAhead()).
struct VatWarehouse::Birth {
  BirthPlan plan;
  BirthSyscalls syscalls;
  HeldConsole console;  // the birth thread's until its delivery is over
  struct Outcome {
    std::unique_ptr<XsnapWorker> worker;
    DeliveryResult result;  // of startVat; of setBundle if the delivery never began
  };
  std::future<Outcome> outcome;  // declared last: its destructor waits for the thread...
  ~Birth() { syscalls.abandon(); }  // ...which this ends, if a throw drops a birth under way
};

VatWarehouse::VatWarehouse(KernelStorage& storage, KernelState& kernel, const WorkerPackages& packages,
                           WarehouseOptions options)
    : storage_(storage), kernel_(kernel), packages_(packages), options_(std::move(options)) {}

VatWarehouse::~VatWarehouse() { shutdown(); }

void VatWarehouse::shutdown() {
  for (auto& [vatID, b] : births_) abandon(b);
  births_.clear();
  for (auto& [vatID, p] : loading_) p.started->store(true);  // those not started yet never will
  for (auto& [vatID, p] : loading_) cancelPreload(p);
  loading_.clear();
  for (std::future<std::unique_ptr<XsnapWorker>>& f : abandoned_) f.wait();  // they yield no worker
  abandoned_.clear();
  for (PendingSnapshot& p : pending_) {
    if (p.gzip.valid()) p.gzip.wait();  // never leave a thread behind
  }
  for (auto& [vatID, o] : online_) o.stop();
  online_.clear();
  for (std::future<void>& f : retiring_) f.wait();
  retiring_.clear();
  std::lock_guard<std::mutex> lock(spareMutex_);
  if (spare_.valid()) {
    try {
      spare_.get()->kill();
    } catch (const std::exception&) {  // a spare that never started has nothing to stop
    }
  }
}

void VatWarehouse::flushSnapshots(bool all) {
  constexpr size_t kMaxPending = 4;  // ~10 MB of raw heap each
  while (!pending_.empty()) {
    bool ready = pending_.front().gzip.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (!all && !ready && pending_.size() <= kMaxPending) break;
    // Taken off first, so that a throw below leaves no entry with a spent future behind.
    PendingSnapshot p = std::move(pending_.front());
    pending_.pop_front();
    if (isCurrent(p)) store(p);
  }
}

void VatWarehouse::store(const PendingSnapshot& p) {
  try {
    storage_.snapshots().insertSnapshot(p.vatID, p.info, p.gzip.get());
  } catch (const std::exception& e) {
    // The vat's transcript already starts a span from this snapshot: no later commit may go
    // through without it.
    storage_.markBroken(fmt::format("storing the heap snapshot of {}: {}", p.vatID, e.what()));
    throw;
  }
}

bool VatWarehouse::isCurrent(const PendingSnapshot& p) {
  // saveSnapshot() opened the span right after the save-snapshot entry at snapPos.
  return kernel_.vatIsAlive(p.vatID) && storage_.transcripts().getCurrentSpanBounds(p.vatID).startPos == p.info.snapPos + 1;
}

void VatWarehouse::storeNow(const std::string& vatID) {
  if (const PendingSnapshot* p = currentPending(vatID)) store(*p);
}

const VatWarehouse::PendingSnapshot* VatWarehouse::currentPending(const std::string& vatID) {
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->vatID == vatID) return isCurrent(*it) ? &*it : nullptr;
  }
  return nullptr;
}

bool VatWarehouse::hasSnapshot(const std::string& vatID) {
  return currentPending(vatID) || storage_.snapshots().getSnapshotInfo(vatID).has_value();
}

std::optional<Json> VatWarehouse::otherWorkerBundles(const Json& options) const {
  auto w = options.find("workerOptions");
  if (w == options.end() || !w->is_object() || !w->contains("bundleIDs")) return std::nullopt;  // not recorded: ours
  const Json& ids = (*w)["bundleIDs"];
  if (ids == Json(packages_.bundleIDs())) return std::nullopt;
  return ids;
}

std::shared_ptr<WorkerPackages> VatWarehouse::recordedWorkerBundles(const std::string& vatID, const Json& options) {
  std::optional<Json> ids = otherWorkerBundles(options);
  if (!ids) return nullptr;
  auto own = std::make_shared<WorkerPackages>(packages_);
  std::string name = options.value("name", vatID);
  if (!ids->is_array() || ids->size() != 2 || !(*ids)[0].is_string() || !(*ids)[1].is_string()) {
    panic(fmt::format("vat {} ({}): its workerOptions.bundleIDs {} are not [lockdown, supervisor]", vatID, name, toJson(*ids)));
  }
  for (auto [i, b] : {std::pair{0, &own->lockdown}, {1, &own->supervisor}}) {
    b->bundleID = (*ids)[i];
    std::optional<std::string> text = storage_.bundles().getBundle(b->bundleID);
    if (!text) panic(fmt::format("vat {} ({}): its worker bundle {} is not in the bundle store", vatID, name, b->bundleID));
    b->text = std::move(*text);
    b->path = "the bundle store: " + b->bundleID;  // what evalSource() names if it cannot parse it
  }
  return own;
}

XsnapOptions VatWarehouse::workerOptions(const std::string& vatID, const Json& options) const {
  XsnapOptions xo;
  xo.executable = packages_.xsnapWorker;
  xo.vatID = vatID;
  xo.name = options.value("name", vatID);
  xo.liveSlotsVatID = options.value("liveSlotsVatID", "");
  xo.hangTimeout = options_.hangTimeout;
  xo.console = options_.console;
  if (options.contains("meterID")) xo.computeLimit = 100'000'000;  // SwingSet's per-delivery limit
  return xo;
}

void VatWarehouse::cancelPreload(Preload& p) {
  if (!p.started->exchange(true)) {
    // Still waiting for a core: it will return no worker once it gets one. Waiting for that here
    // would hold the kernel thread until the preloads ahead of it have replayed.
    std::erase_if(abandoned_, [](const auto& f) { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    abandoned_.push_back(std::move(p.worker));
    return;
  }
  try {
    if (std::unique_ptr<XsnapWorker> w = p.worker.get()) w->kill();
  } catch (const std::exception&) {  // the vat is going away: its failed preload does not matter
  }
}

void VatWarehouse::evict(const std::string& vatID) {
  if (auto b = births_.find(vatID); b != births_.end()) {
    abandon(b->second);
    births_.erase(b);
  }
  if (auto l = loading_.find(vatID); l != loading_.end()) {
    cancelPreload(l->second);
    loading_.erase(l);
  }
  snapshotted_.erase(vatID);
  auto it = online_.find(vatID);
  if (it == online_.end()) return;
  retire(std::move(it->second));
  online_.erase(it);
}

void VatWarehouse::pruneRetiring() {
  std::erase_if(retiring_, [](std::future<void>& f) { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
}

void VatWarehouse::retire(Online o) {
  pruneRetiring();
  retiring_.push_back(std::async(std::launch::async, [o = std::move(o)]() mutable { o.stop(); }));
}

void VatWarehouse::Online::stop() { worker->kill(); }

uint64_t VatWarehouse::beginNewIncarnation(const std::string& vatID) {
  evict(vatID);
  TranscriptStore& transcripts = storage_.transcripts();
  transcripts.addItem(vatID, R"({"d":["shutdown-worker"],"sc":[],"r":{"status":"ok"}})");
  storeNow(vatID);
  storage_.snapshots().stopUsingLastSnapshot(vatID);
  transcripts.rolloverIncarnation(vatID);
  return transcripts.getCurrentSpanBounds(vatID).incarnation;
}

std::vector<std::string> VatWarehouse::onlineVats() const {
  std::vector<std::pair<uint64_t, std::string>> byUse;
  for (const auto& [vatID, o] : online_) byUse.emplace_back(o.lastUsed, vatID);
  for (const auto& [vatID, lastUsed] : snapshotted_) byUse.emplace_back(lastUsed, vatID);
  std::sort(byUse.rbegin(), byUse.rend());
  std::vector<std::string> out;
  for (auto& [t, vatID] : byUse) out.push_back(vatID);
  return out;
}

std::shared_ptr<VatWarehouse::VatLoad> VatWarehouse::prepareLoad(const std::string& vatID) {
  SS_INSIST(kernel_.vatIsAlive(vatID), "{} is not alive", vatID);
  VatState vat(kernel_, vatID);
  Json source = vat.source();
  Json options = vat.options();
  auto l = std::make_shared<VatLoad>();
  l->vatID = vatID;
  l->options = workerOptions(vatID, options);
  std::string bundleID = source.value("bundleID", "");
  TranscriptStore& transcripts = storage_.transcripts();
  SpanBounds bounds = transcripts.getCurrentSpanBounds(vatID);
  if (bounds.startPos == bounds.endPos) recordInitializeWorker(vatID, bundleID, options);
  if (const PendingSnapshot* p = currentPending(vatID)) {
    l->pendingSnapshot = p->raw;
    l->snapshotLabel = fmt::format("{}-{}-{}", vatID, p->info.snapPos, p->info.hash);
  } else if ((l->snapshot = storage_.snapshots().readCompressed(vatID))) {  // inflated and checked by load()
    l->snapshotLabel = fmt::format("{}-{}-{}", vatID, l->snapshot->info.snapPos, l->snapshot->info.hash);
  } else {
    l->ownWorkerBundles = recordedWorkerBundles(vatID, options);
    std::optional<std::string> bundle = storage_.bundles().getBundle(bundleID);
    if (!bundle) {
      panic(fmt::format("vat {} ({}): its bundle {} is not in the bundle store", vatID, l->options.name, bundleID));
    }
    l->bundle = std::move(*bundle);
    l->liveSlotsOptions = liveSlotsOptions(options);
  }
  SpanBounds span = transcripts.getCurrentSpanBounds(vatID);
  l->startPos = span.startPos + 1;
  // The span starts from the heap the store holds: a bundle, or exactly the snapshot it names.
  std::string have = l->pendingSnapshot ? currentPending(vatID)->info.hash : l->snapshot ? l->snapshot->info.hash : "";
  bool first = true;
  transcripts.readSpan(vatID, std::nullopt, [&](std::string_view item) {
    if (first) {
      std::string want;
      if (item.starts_with(R"({"d":["load-snapshot")")) {
        std::optional<Json> entry = parseJson(item);
        const Json* d = entry ? &(*entry)["d"] : nullptr;
        want = d && d->is_array() && d->size() > 1 && (*d)[1].is_object() ? (*d)[1].value("snapshotID", "?") : "?";
      } else {
        SS_INSIST(item.starts_with(R"({"d":["initialize-worker")"),
                  "transcript of {} does not start with initialize-worker or load-snapshot", vatID);
      }
      SS_INSIST(want == have, "vat {} ({}): its transcript span starts from {}, but the snapshot store has {}", vatID,
                l->options.name, want.empty() ? "its bundle" : "heap snapshot " + want,
                have.empty() ? "none in use" : "heap snapshot " + have);
      first = false;
      return;
    }
    l->items.emplace_back(item);
  });
  return l;
}

// A new vat or incarnation: the worker about to start, recorded as the JS warehouse does.
void VatWarehouse::recordInitializeWorker(const std::string& vatID, const std::string& bundleID, const Json& options) {
  Json init = Json::object();
  init["source"] = Json::object({{"bundleID", bundleID}});
  init["workerOptions"] = options.value("workerOptions", Json());
  storage_.transcripts().addItem(vatID, fmt::format(R"({{"d":["initialize-worker",{}],"sc":[],"r":{{"status":"ok"}}}})", toJson(init)));
}

std::string VatWarehouse::liveSlotsOptions(const Json& options) const {
  Json ls = Json::object();
  ls["enableDisavow"] = options.value("enableDisavow", false);
  ls["relaxDurabilityRules"] = options_.relaxDurabilityRules;
  return toJson(ls);
}

std::unique_ptr<XsnapWorker> VatWarehouse::load(VatLoad& l) {
  const std::string& vatID = l.vatID;
  XsnapOptions quiet = l.options;
  // Replay is quiet (those lines were printed once), unless replayConsole asks for them again.
  quiet.console = options_.replayConsole ? &l.replayed : nullptr;
  std::unique_ptr<XsnapWorker> worker;
  if (l.pendingSnapshot) {
    stats_.workerSpawns++;
    stats_.snapshotLoads++;
    worker = XsnapWorker::startFromSnapshot(quiet, *l.pendingSnapshot, l.snapshotLabel);
  } else if (l.snapshot) {
    stats_.workerSpawns++;
    stats_.snapshotLoads++;
    std::unique_ptr<SnapshotBuffer> heap = takeLoadBuffer();
    heap->refill(l.snapshot->info.uncompressedSize, [&](char* raw) { SnapStore::inflateInto(*l.snapshot, vatID, raw); });
    worker = XsnapWorker::startFromSnapshot(quiet, *heap, l.snapshotLabel);
    giveBackLoadBuffer(std::move(heap));  // the worker has read it all (it answered R)
  } else if (l.ownWorkerBundles) {
    // Made with other lockdown or supervisor bundles than ours: those, evaluated from scratch.
    stats_.workerSpawns++;
    worker = XsnapWorker::start(quiet);
    DeliveryResult r = worker->loadVat(*l.ownWorkerBundles, l.bundle, l.liveSlotsOptions);
    SS_INSIST(r.ok(), "vat {} ({}): cannot load its worker: {}", vatID, l.options.name, r.problem);
  } else {
    // A new worker for this vat is one that has evaluated lockdown and the supervisor: start it
    // from a snapshot of exactly that, taken once per process, then give it the vat's bundle.
    worker = newVatWorker(quiet);  // counted in workerSpawns when its process started
    DeliveryResult r = worker->setBundle(l.bundle, l.liveSlotsOptions);
    SS_INSIST(r.ok(), "vat {} ({}): cannot load its worker: {}", vatID, l.options.name, r.problem);
  }
  uint64_t total = l.items.size();
  for (uint64_t i = 0; i < total; i++) {
    uint64_t at = l.startPos + i;
    std::optional<Json> entry = parseJson(l.items[i]);
    SS_INSIST(entry && entry->contains("d") && entry->contains("sc"), "{} transcript item {} is malformed", vatID, at);
    const Json& d = (*entry)["d"];
    std::string dtype = d.is_array() && !d.empty() && d[0].is_string() ? d[0].get<std::string>() : "";
    SS_INSIST(dtype != "save-snapshot" && dtype != "load-snapshot" && dtype != "initialize-worker" && dtype != "shutdown-worker",
              "replay of {} met '{}' at transcript position {}", vatID, dtype, at);
    ReplayHandler sim((*entry)["sc"]);
    DeliveryResult r = worker->deliver(toJson(d), sim);
    std::string mismatch = sim.finish();
    if (!mismatch.empty()) {
      panic(fmt::format("replay of vat {} ({}) diverged at transcript position {}: {}", vatID, l.options.name, at, mismatch));
    }
    SS_INSIST(r.status == DeliveryStatus::kOk || r.status == DeliveryStatus::kVatError,
              "replay of vat {} at transcript position {} failed: {}", vatID, at, r.problem);
    stats_.replayedDeliveries++;
    if (options_.onReplayProgress && total >= 50 && ((i + 1) % 100 == 0 || i + 1 == total)) {
      options_.onReplayProgress(vatID, l.options.name, i + 1, total);
    }
  }
  worker->setConsole(options_.console);
  return worker;
}

// A heap is ~10 MB: a fresh memfd for each load would fault in and zero that much shmem. A few
// reused buffers do instead (a worker has read all of its snapshot once it answers R).
std::unique_ptr<SnapshotBuffer> VatWarehouse::takeLoadBuffer() {
  std::lock_guard<std::mutex> lock(loadBuffersMutex_);
  if (loadBuffers_.empty()) return std::make_unique<SnapshotBuffer>();
  std::unique_ptr<SnapshotBuffer> b = std::move(loadBuffers_.back());
  loadBuffers_.pop_back();
  return b;
}

void VatWarehouse::giveBackLoadBuffer(std::unique_ptr<SnapshotBuffer> buffer) {
  constexpr size_t kKept = 4;  // enough for most loads at once; a burst beyond makes and drops more
  std::lock_guard<std::mutex> lock(loadBuffersMutex_);
  if (loadBuffers_.size() < kKept) loadBuffers_.push_back(std::move(buffer));
}

const SnapshotBuffer& VatWarehouse::supervisorSnapshot() {
  std::lock_guard<std::mutex> lock(supervisorSnapshotMutex_);
  if (supervisorSnapshot_) return *supervisorSnapshot_;
  std::optional<SupervisorCache> cache;  // its key hashes the worker binary: made once
  if (!options_.supervisorCache.empty()) {
    cache.emplace(options_.supervisorCache, packages_);
    if ((supervisorSnapshot_ = cache->read())) return *supervisorSnapshot_;
  }
  XsnapOptions o;
  o.executable = packages_.xsnapWorker;
  o.vatID = "v0";
  o.name = "supervisor";
  o.hangTimeout = options_.hangTimeout;
  stats_.workerSpawns++;
  std::unique_ptr<XsnapWorker> w = XsnapWorker::start(o);
  DeliveryResult r = w->loadSupervisor(packages_);
  SS_INSIST(r.ok(), "cannot start a worker with lockdown and the supervisor: {}", r.problem);
  auto buf = std::make_unique<SnapshotBuffer>();
  SavedSnapshot saved = w->saveSnapshot(*buf);
  w->kill();
  if (cache) cache->write(*buf, saved.hash);
  supervisorSnapshot_ = std::move(buf);
  return *supervisorSnapshot_;
}

std::unique_ptr<XsnapWorker> VatWarehouse::startFromSupervisor(const XsnapOptions& options) {
  stats_.workerSpawns++;
  return XsnapWorker::startFromSnapshot(options, supervisorSnapshot(), "supervisor");
}

std::unique_ptr<XsnapWorker> VatWarehouse::newVatWorker(const XsnapOptions& options) {
  if (options.computeLimit) return startFromSupervisor(options);  // spares run without -l
  std::unique_ptr<XsnapWorker> worker;
  {
    std::lock_guard<std::mutex> lock(spareMutex_);
    if (spare_.valid()) {
      try {
        worker = spare_.get();
      } catch (const std::exception&) {  // the spare failed to start: start one here instead
      }
    }
    XsnapOptions spare = options;
    spare.vatID = "spare";
    spare.name = "spare";
    spare.console = nullptr;
    spare_ = std::async(std::launch::async, [this, spare] { return startFromSupervisor(spare); });
  }
  if (!worker || !worker->running()) return startFromSupervisor(options);
  worker->assign(options);
  return worker;
}

void VatWarehouse::preload(const std::vector<std::string>& vatIDs) {
  toPreload_.insert(toPreload_.end(), vatIDs.begin(), vatIDs.end());
  preloadSome();
}

void VatWarehouse::setUpcoming(std::vector<std::string> vatIDs) {
  upcoming_ = std::move(vatIDs);
  for (auto& [vatID, p] : loading_) {  // no longer about to be needed: an ordinary preload now
    if (p.ahead && std::find(upcoming_.begin(), upcoming_.end(), vatID) == upcoming_.end()) p.ahead = false;
  }
}

namespace {
// One gate for all preloads: they replay in parallel on all cores but one, which stays free for
// the kernel thread and the vat it needs now (it takes over a preload that has not started).
const unsigned kPreloadThreads = std::clamp(std::thread::hardware_concurrency(), 2u, 257u) - 1;
std::counting_semaphore<256> preloadGate(kPreloadThreads);
// While the kernel thread waits for a preload under way, its own core would idle: it lends the
// gate a permit, so the next preload can start (on a restart, the vat the first message goes to
// next loads beside the one it goes to first). The permit comes back as soon as one is free,
// else from the next preload to finish (lentPermits counts those owed).
std::atomic<int> lentPermits{0};
void returnPermit() {
  int owed = lentPermits.load();
  while (owed > 0 && !lentPermits.compare_exchange_weak(owed, owed - 1)) {
  }
  if (owed == 0) preloadGate.release();  // else it repays the kernel thread's loan
}
// Loads ahead held at once, under way or done and waiting for their delivery (at most
// kPreloadThreads + 1 are under way). Done ones must not stop the next from starting: on 2 cores
// 4 beat 2 (a message to each of 100 offline vats: 4.9 s -> 3.7 s); 6 gained nothing more.
constexpr size_t kMaxAhead = 4;
}  // namespace

void VatWarehouse::startPreload(const std::string& vatID, bool ahead) {
  Preload p{prepareLoad(vatID), std::make_shared<std::atomic<bool>>(false), {}, ahead};
  // A load ahead skips the gate: the kernel thread is about to wait for it anyway, so it uses the
  // core the gate keeps for the kernel thread (there are at most kMaxAhead of them).
  p.worker = std::async(std::launch::async, [this, ahead, l = p.load, started = p.started]() -> std::unique_ptr<XsnapWorker> {
    if (!ahead) preloadGate.acquire();
    struct Release {
      bool held;
      ~Release() {
        if (held) returnPermit();
      }
    } release{!ahead};
    if (started->exchange(true)) return nullptr;  // the kernel thread needed it first and took it
    return load(*l);
  });
  loading_.emplace(vatID, std::move(p));
}

void VatWarehouse::preloadSome() {
  // Reading a vat's snapshot and span out of the store is kernel-thread work: do it for only a
  // few vats ahead of the preload threads, so a restart with many vats to preload does not make
  // the first crank wait for all of them.
  auto inFlight = [&] {
    return static_cast<unsigned>(std::count_if(loading_.begin(), loading_.end(), [](const auto& e) {
      return e.second.worker.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    }));
  };
  auto wanted = [&](const std::string& vatID) {
    if (online_.count(vatID) || loading_.count(vatID) || !kernel_.vatIsAlive(vatID)) return false;
    // A new vat's first load records initialize-worker, which only a crank may do.
    SpanBounds span = storage_.transcripts().getCurrentSpanBounds(vatID);
    return span.startPos != span.endPos;
  };
  // A vat that cannot load (its bundle or snapshot is missing) is left to the crank that needs
  // it, which meets the same panic; a vat nobody messages must not stop the kernel.
  auto tryPreload = [&](const std::string& vatID, bool ahead) {
    try {
      startPreload(vatID, ahead);
      return true;
    } catch (const KernelPanic&) {
      return false;
    }
  };
  // The vats the next deliveries go to come first. They are about to be admitted, so they may
  // load even when every slot is full (admit() evicts for them); kMaxAhead at most.
  size_t ahead = std::count_if(loading_.begin(), loading_.end(), [](const auto& e) { return e.second.ahead; });
  for (const std::string& vatID : upcoming_) {
    if (ahead >= kMaxAhead || inFlight() > kPreloadThreads) break;
    if (wanted(vatID) && tryPreload(vatID, /*ahead=*/true)) ahead++;
  }
  while (!toPreload_.empty() && inFlight() <= kPreloadThreads) {
    std::string vatID = toPreload_.front();
    toPreload_.pop_front();
    if (!wanted(vatID)) continue;
    if (online_.size() + loading_.size() >= options_.maxVatsOnline) {
      toPreload_.clear();
      break;
    }
    tryPreload(vatID, /*ahead=*/false);
  }
}

void VatWarehouse::admit(const std::string& vatID, std::unique_ptr<XsnapWorker> worker) {
  snapshotted_.erase(vatID);
  Online& o = online_[vatID];
  o.worker = std::move(worker);
  o.lastUsed = o.admittedAt = ++useClock_;
  while (online_.size() > std::max<size_t>(options_.maxVatsOnline, 1)) {
    // No snapshot on the way out, however long its span: when a vat's snapshots fall is
    // consensus state (the next interval, the bringOutYourDead before it), and which vat goes
    // offline when is not (it depends on maxVatsOnline and on when the host restarted).
    auto lru = chooseVictim(vatID);
    retire(std::move(lru->second));
    online_.erase(lru);
  }
}

// Scan-resistant LRU. A vat counts as reused once some other vat has run since it was last used
// (its own BOYD right after a delivery does not count). Vats not reused since they came online
// are evicted first, newest first, so a sweep over more vats than fit (a message to each of N
// vats, round after round) cycles through one slot instead of flushing every vat that is used
// again; only when every vat has been reused does the least recently used one go.
std::map<std::string, VatWarehouse::Online>::iterator VatWarehouse::chooseVictim(const std::string& keep) {
  auto victim = online_.end();
  for (auto it = online_.begin(); it != online_.end(); ++it) {
    if (it->first == keep || it->second.reused) continue;
    if (victim == online_.end() || it->second.admittedAt > victim->second.admittedAt) victim = it;
  }
  if (victim != online_.end()) return victim;
  for (auto it = online_.begin(); it != online_.end(); ++it) {
    if (it->first == keep) continue;
    if (victim == online_.end() || it->second.lastUsed < victim->second.lastUsed) victim = it;
  }
  return victim;
}

XsnapWorker& VatWarehouse::ensureOnline(const std::string& vatID) {
  bool otherVatRan = lastVat_ != vatID;
  lastVat_ = vatID;
  if (auto it = online_.find(vatID); it != online_.end()) {
    if (XsnapWorker& w = *it->second.worker; w.running()) {
      it->second.lastUsed = ++useClock_;
      it->second.reused |= otherVatRan;
      return w;
    }
    online_.erase(it);  // it died between deliveries: bring it back from snapshot + transcript
  }
  std::unique_ptr<XsnapWorker> worker;
  std::shared_ptr<VatLoad> from;
  if (auto l = loading_.find(vatID); l != loading_.end()) {
    Preload& p = l->second;
    from = p.load;
    if (p.started->exchange(true)) {
      // Lend this thread's core while it waits (see lentPermits), unless loads ahead are under way:
      // they already use it, and a restart preload beside them only slows them (a message to each
      // of 100 vats after a restart: +5%).
      bool lend = std::none_of(loading_.begin(), loading_.end(), [](const auto& e) { return e.second.ahead; });
      if (lend) preloadGate.release();
      struct TakeBack {
        bool lent;
        ~TakeBack() {
          if (lent && !preloadGate.try_acquire()) lentPermits++;
        }
      } takeBack{lend};
      worker = p.worker.get();  // under way or done; rethrows its panic
    } else {
      // Still waiting for a core: load it here rather than queue behind other preloads.
      worker = load(*p.load);
      abandoned_.push_back(std::move(p.worker));
    }
    loading_.erase(l);
  } else {
    from = prepareLoad(vatID);
    worker = load(*from);
  }
  from->replayed.releaseTo(options_.console);
  admit(vatID, std::move(worker));
  return *online_.at(vatID).worker;
}

void VatWarehouse::recordDelivery(const std::string& vatID, const std::string& vdo, const std::string& sc,
                                  const DeliveryResult& r) {
  stats_.deliveries++;
  storage_.transcripts().addItem(vatID, fmt::format(R"({{"d":{},"sc":[{}],"r":{}}})", vdo, sc, transcriptResult(r)));
}

DeliveryResult VatWarehouse::deliverAndRecord(const std::string& vatID, XsnapWorker& worker,
                                              const std::string& vdo, SyscallHandler& syscalls) {
  RecordingHandler rec(syscalls);
  DeliveryResult r = worker.deliver(vdo, rec);
  recordDelivery(vatID, vdo, rec.sc(), r);
  // Every bringOutYourDead zeroes the when-to-reap counters, as in SwingSet's deliverToVat: the
  // reap's own, the one before a heap snapshot, and an upgrade's.
  if (vdo == kBringOutYourDead) VatState(kernel_, vatID).clearDirt();
  if (!worker.alive()) online_.erase(vatID);
  return r;
}

DeliveryResult VatWarehouse::deliver(const std::string& vatID, const std::string& vdo, SyscallHandler& syscalls) {
  if (auto it = births_.find(vatID); it != births_.end()) {
    std::shared_ptr<Birth> b = std::move(it->second);
    births_.erase(it);
    VatState vat(kernel_, vatID);
    SpanBounds span = storage_.transcripts().getCurrentSpanBounds(vatID);
    bool asPlanned = vdo == b->plan.vdo && vat.source().value("bundleID", "") == b->plan.bundleID &&
                     vat.options() == b->plan.options && span.startPos == span.endPos &&
                     !vat.vatstoreGetNextKey("") && !online_.count(vatID);
    if (asPlanned && b->syscalls.waitUntilBegun()) return adopt(vatID, *b, syscalls);
    abandon(std::move(b));  // a failed setBundle fails again below, in the crank
  }
  return deliverAndRecord(vatID, ensureOnline(vatID), vdo, syscalls);
}

bool VatWarehouse::bearAhead(const std::string& vatID, BirthPlan plan) {
  if (births_.count(vatID) || !canBearAhead() || online_.count(vatID) || loading_.count(vatID)) return false;
  if (otherWorkerBundles(plan.options)) return false;  // its crank starts it from those bundles
  auto b = std::make_shared<Birth>();
  b->plan = std::move(plan);
  XsnapOptions xo = workerOptions(vatID, b->plan.options);
  xo.console = options_.replayConsole ? &b->console : nullptr;  // as load() has it for setBundle
  // A raw pointer: the thread must not own the Birth that owns its future (see Birth::outcome).
  b->outcome = std::async(std::launch::async, [this, birth = b.get(), xo, ls = liveSlotsOptions(b->plan.options)] {
    struct Finish {
      BirthSyscalls& s;
      ~Finish() { s.finish(); }
    } finish{birth->syscalls};
    Birth::Outcome o;
    o.worker = newVatWorker(xo);
    birth->syscalls.setWorker(o.worker->pid());
    o.result = o.worker->setBundle(birth->plan.bundle, ls);
    o.worker->setConsole(&birth->console);
    if (birth->syscalls.begin(o.result.ok())) o.result = o.worker->deliver(birth->plan.vdo, birth->syscalls);
    return o;
  });
  births_.emplace(vatID, std::move(b));
  return true;
}

// In the vat's first crank, as deliver() of a new vat would: the same transcript entries
// (initialize-worker, then startVat with its syscalls, each answered by `syscalls`).
DeliveryResult VatWarehouse::adopt(const std::string& vatID, Birth& b, SyscallHandler& syscalls) {
  recordInitializeWorker(vatID, b.plan.bundleID, b.plan.options);
  RecordingHandler rec(syscalls);
  b.syscalls.adopt(rec);
  Birth::Outcome o = b.outcome.get();  // over: adopt() returned
  recordDelivery(vatID, b.plan.vdo, rec.sc(), o.result);
  stats_.bornAhead++;
  b.console.releaseTo(options_.console);
  o.worker->setConsole(options_.console);
  lastVat_ = vatID;
  if (o.worker->alive()) admit(vatID, std::move(o.worker));
  return o.result;
}

void VatWarehouse::abandon(std::shared_ptr<Birth> b) {
  b->syscalls.abandon();
  pruneRetiring();
  retiring_.push_back(std::async(std::launch::async, [b = std::move(b)] {
    try {
      if (Birth::Outcome o = b->outcome.get(); o.worker) o.worker->kill();
    } catch (const std::exception&) {  // a birth that failed has nothing to stop
    }
  }));
}

void VatWarehouse::keepBirths(const std::vector<std::string>& vatIDs) {
  for (auto it = births_.begin(); it != births_.end();) {
    if (std::find(vatIDs.begin(), vatIDs.end(), it->first) != vatIDs.end()) {
      ++it;
      continue;
    }
    abandon(it->second);
    it = births_.erase(it);
  }
}

void VatWarehouse::maybeSaveSnapshot(const std::string& vatID, SyscallHandler& syscalls) {
  if (!kernel_.vatIsAlive(vatID)) return;
  SpanBounds span = storage_.transcripts().getCurrentSpanBounds(vatID);
  uint64_t entries = span.endPos - span.startPos;
  if (!((!hasSnapshot(vatID) && entries >= options_.snapshotInitial) || entries >= options_.snapshotInterval)) return;
  XsnapWorker& worker = ensureOnline(vatID);
  // A bringOutYourDead first, as SwingSet does, to shake loose garbage before the forced GC of a
  // snapshot. It costs no meter, and a vat error in it is not acted upon. Anything worse (a lost
  // worker, or one killed for a meter limit) leaves a transcript entry replay cannot accept and
  // no heap to snapshot: a panic, as in SwingSet, whose snapshot then fails on the dead worker.
  DeliveryResult r = deliverAndRecord(vatID, worker, kBringOutYourDead, syscalls);
  if (!r.ok() && r.status != DeliveryStatus::kVatError) {
    panic(fmt::format("vat {}: the bringOutYourDead before its heap snapshot failed: {}", vatID, r.problem));
  }
  if (auto it = online_.find(vatID); it != online_.end()) saveSnapshot(vatID, *it->second.worker);
}

void VatWarehouse::saveSnapshot(const std::string& vatID, XsnapWorker& worker) {
  // shared_ptr: the buffer is read both by the compressing thread and by a worker loading it.
  auto buf = std::make_shared<SnapshotBuffer>();
  SavedSnapshot saved = worker.saveSnapshot(*buf);
  stats_.snapshotSaves++;
  storeNow(vatID);  // the one before, if it is still being compressed (rare: 200 deliveries in between)
  TranscriptStore& transcripts = storage_.transcripts();
  SnapshotInfo info{transcripts.getCurrentSpanBounds(vatID).endPos, saved.hash, saved.size, 0};
  // Compressed on another thread, stored between cranks by flushSnapshots().
  pending_.push_back({vatID, info, buf, std::async(std::launch::async, [buf] { return SnapStore::gzip(buf->readAll()); })});
  transcripts.addItem(vatID, fmt::format(R"({{"d":["save-snapshot"],"sc":[],"r":{{"status":"ok","snapshotID":"{}"}}}})", info.hash));
  transcripts.rolloverSpan(vatID);
  transcripts.addItem(vatID, fmt::format(R"({{"d":["load-snapshot",{{"snapshotID":"{}"}}],"sc":[],"r":{{"status":"ok"}}}})", info.hash));
  if (options_.restartWorkerOnSnapshot) {
    // The vat goes on in a worker started from the snapshot, but only when it is next needed (or
    // about to be: Kernel::loadAhead): a new vat's first snapshot comes at its third delivery, and
    // it is often not messaged again soon. Starting the replacement at once cost every createVat
    // a core for ~30 ms while its callbacks and the snapshot's gzip needed both.
    auto it = online_.find(vatID);
    snapshotted_[vatID] = it->second.lastUsed;
    retire(std::move(it->second));
    online_.erase(it);
  }
}

}  // namespace swingset
