#include "kernel/vat_warehouse.h"

#include <sstream>

#include "base/panic.h"
#include "kernel/state/vat_state.h"
#include "store/bundle_store.h"
#include "store/snap_store.h"
#include "store/transcript_store.h"
#include "worker/snapshot_buffer.h"
#include "worker/xsnap_worker.h"

namespace swingset {
namespace {

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

}  // namespace

VatWarehouse::VatWarehouse(KernelStorage& storage, KernelState& kernel, const WorkerPackages& packages,
                           WarehouseOptions options)
    : storage_(storage), kernel_(kernel), packages_(packages), options_(options) {}

VatWarehouse::~VatWarehouse() {
  for (PendingSnapshot& p : pending_) p.gzip.wait();  // never leave a thread behind
  shutdown();
}

void VatWarehouse::flushSnapshots() {
  while (!pending_.empty()) {
    PendingSnapshot& p = pending_.front();
    storage_.snapshots().insertSnapshot(p.vatID, p.info, p.gzip.get());
    pending_.pop_front();
  }
}

bool VatWarehouse::hasSnapshot(const std::string& vatID) {
  for (const PendingSnapshot& p : pending_) {
    if (p.vatID == vatID) return true;
  }
  return storage_.snapshots().getSnapshotInfo(vatID).has_value();
}

XsnapOptions VatWarehouse::workerOptions(const std::string& vatID, const Json& options) const {
  XsnapOptions xo;
  xo.executable = packages_.xsnapWorker;
  xo.vatID = vatID;
  xo.name = options.value("name", vatID);
  xo.hangTimeout = options_.hangTimeout;
  xo.console = options_.console;
  if (options.contains("meterID")) xo.computeLimit = 100'000'000;  // SwingSet's per-delivery limit
  return xo;
}

void VatWarehouse::shutdown() {
  for (auto& [vatID, worker] : online_) worker->shutdown();
  online_.clear();
}

void VatWarehouse::evict(const std::string& vatID) {
  auto it = online_.find(vatID);
  if (it == online_.end()) return;
  it->second->shutdown();
  online_.erase(it);
}

XsnapWorker& VatWarehouse::ensureOnline(const std::string& vatID) {
  if (auto it = online_.find(vatID); it != online_.end()) return *it->second;
  SS_INSIST(kernel_.vatIsAlive(vatID), "{} is not alive", vatID);
  VatState vat(kernel_, vatID);
  Json source = vat.source();
  Json options = vat.options();
  XsnapOptions xo = workerOptions(vatID, options);
  std::string bundleID = source.value("bundleID", "");

  TranscriptStore& transcripts = storage_.transcripts();
  SpanBounds span = transcripts.getCurrentSpanBounds(vatID);
  if (span.endPos == 0) {
    // A vat that never ran: record the worker we are about to start, as the JS warehouse does.
    Json init = Json::object();
    init["source"] = Json::object({{"bundleID", bundleID}});
    init["workerOptions"] = options["workerOptions"];
    transcripts.addItem(vatID, fmt::format(R"({{"d":["initialize-worker",{}],"sc":[],"r":{{"status":"ok"}}}})", toJson(init)));
  }

  std::unique_ptr<XsnapWorker> worker;
  if (hasSnapshot(vatID)) flushSnapshots();
  if (std::optional<SnapshotInfo> snap = storage_.snapshots().getSnapshotInfo(vatID)) {
    SnapshotBuffer buf;
    std::string raw = storage_.snapshots().loadSnapshot(vatID);
    buf.write(raw.data(), raw.size());
    worker = XsnapWorker::startFromSnapshot(xo, buf.rewound(),
                                            fmt::format("{}-{}-{}", vatID, snap->snapPos, snap->hash));
  } else {
    std::optional<std::string> bundle = storage_.bundles().getBundle(bundleID);
    if (!bundle) panic(fmt::format("vat {} ({}): its bundle {} is not in the bundle store", vatID, xo.name, bundleID));
    worker = XsnapWorker::start(xo);
    Json ls = Json::object();
    ls["enableDisavow"] = options.value("enableDisavow", false);
    ls["relaxDurabilityRules"] = options_.relaxDurabilityRules;
    DeliveryResult r = worker->loadVat(packages_, *bundle, toJson(ls));
    SS_INSIST(r.ok(), "vat {} ({}): cannot load its worker: {}", vatID, xo.name, r.problem);
  }
  replaySpan(vatID, *worker);
  worker->setConsole(options_.console);
  return *online_.emplace(vatID, std::move(worker)).first->second;
}

void VatWarehouse::replaySpan(const std::string& vatID, XsnapWorker& worker) {
  worker.setConsole(nullptr);  // replay is quiet: those lines were printed the first time
  SpanBounds span = storage_.transcripts().getCurrentSpanBounds(vatID);
  uint64_t pos = span.startPos;
  storage_.transcripts().readSpan(vatID, std::nullopt, [&](std::string_view item) {
    uint64_t at = pos++;
    std::optional<Json> entry = parseJson(item);
    SS_INSIST(entry && entry->contains("d") && entry->contains("sc"), "{} transcript item {} is malformed", vatID, at);
    const Json& d = (*entry)["d"];
    std::string dtype = d.is_array() && !d.empty() && d[0].is_string() ? d[0].get<std::string>() : "";
    if (at == span.startPos) {
      SS_INSIST(dtype == "initialize-worker" || dtype == "load-snapshot",
                "transcript of {} starts with '{}', not initialize-worker or load-snapshot", vatID, dtype);
      return;
    }
    SS_INSIST(dtype != "save-snapshot" && dtype != "load-snapshot" && dtype != "initialize-worker" && dtype != "shutdown-worker",
              "replay of {} met '{}' at transcript position {}", vatID, dtype, at);
    ReplayHandler sim((*entry)["sc"]);
    DeliveryResult r = worker.deliver(toJson(d), sim);
    std::string mismatch = sim.finish();
    if (!mismatch.empty()) {
      panic(fmt::format("replay of vat {} diverged at transcript position {}: {}", vatID, at, mismatch));
    }
    SS_INSIST(r.status == DeliveryStatus::kOk || r.status == DeliveryStatus::kVatError,
              "replay of vat {} at transcript position {} failed: {}", vatID, at, r.problem);
  });
}

DeliveryResult VatWarehouse::deliverAndRecord(const std::string& vatID, XsnapWorker& worker,
                                              const std::string& vdo, SyscallHandler& syscalls) {
  RecordingHandler rec(syscalls);
  DeliveryResult r = worker.deliver(vdo, rec);
  storage_.transcripts().addItem(vatID, fmt::format(R"({{"d":{},"sc":[{}],"r":{}}})", vdo, rec.sc(), transcriptResult(r)));
  if (!worker.alive()) online_.erase(vatID);
  return r;
}

DeliveryResult VatWarehouse::deliver(const std::string& vatID, const std::string& vdo, SyscallHandler& syscalls) {
  return deliverAndRecord(vatID, ensureOnline(vatID), vdo, syscalls);
}

void VatWarehouse::maybeSaveSnapshot(const std::string& vatID, SyscallHandler& syscalls) {
  if (!kernel_.vatIsAlive(vatID)) return;
  SpanBounds span = storage_.transcripts().getCurrentSpanBounds(vatID);
  uint64_t entries = span.endPos - span.startPos;
  if (!((!hasSnapshot(vatID) && entries >= options_.snapshotInitial) || entries >= options_.snapshotInterval)) return;
  XsnapWorker& worker = ensureOnline(vatID);
  // A bringOutYourDead first, as SwingSet does, to shake loose garbage before the forced GC of a
  // snapshot. Its failure is not acted upon, and it costs no meter.
  deliverAndRecord(vatID, worker, R"(["bringOutYourDead"])", syscalls);
  if (auto it = online_.find(vatID); it != online_.end()) saveSnapshot(vatID, *it->second);
}

void VatWarehouse::saveSnapshot(const std::string& vatID, XsnapWorker& worker) {
  // shared_ptr: the buffer is read both by the compressing thread and by the new worker.
  auto buf = std::make_shared<SnapshotBuffer>();
  SavedSnapshot saved = worker.saveSnapshot(*buf);
  TranscriptStore& transcripts = storage_.transcripts();
  SnapshotInfo info{transcripts.getCurrentSpanBounds(vatID).endPos, saved.hash, saved.size, 0};
  if (pending_.size() >= 4) {  // bound the memory held by snapshots in flight
    PendingSnapshot& p = pending_.front();
    storage_.snapshots().insertSnapshot(p.vatID, p.info, p.gzip.get());
    pending_.pop_front();
  }
  pending_.push_back({vatID, info, std::async(std::launch::async, [buf] { return SnapStore::gzip(buf->readAll()); })});
  transcripts.addItem(vatID, fmt::format(R"({{"d":["save-snapshot"],"sc":[],"r":{{"status":"ok","snapshotID":"{}"}}}})", info.hash));
  transcripts.rolloverSpan(vatID);
  transcripts.addItem(vatID, fmt::format(R"({{"d":["load-snapshot",{{"snapshotID":"{}"}}],"sc":[],"r":{{"status":"ok"}}}})", info.hash));
  if (options_.restartWorkerOnSnapshot) {
    auto fresh = XsnapWorker::startFromSnapshot(workerOptions(vatID, VatState(kernel_, vatID).options()), buf->rewound(),
                                                fmt::format("{}-{}", vatID, info.snapPos));
    worker.shutdown();
    online_[vatID] = std::move(fresh);
  }
}

}  // namespace swingset
