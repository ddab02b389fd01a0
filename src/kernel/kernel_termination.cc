// Kernel: vat termination and the slow deletion of a terminated vat's state (terminateVat and
// cleanupAfterTerminatedVat in kernel.js / kernelKeeper.js; reference/kernel.md §5).
// Termination is immediate and small: the vat leaves the live registries, its promises are
// rejected, its snapshot and transcript stop being current. Deleting what it leaves behind is
// done later, in cleanup cranks that each do a bounded amount of work, so a vat with a huge
// history never makes one huge crank.
#include "base/panic.h"
#include "kernel/kernel.h"
#include "kernel/smallcaps.h"
#include "kernel/state/vat_state.h"
#include "store/snap_store.h"
#include "store/transcript_store.h"

namespace swingset {

std::vector<std::string> Kernel::unresolvedPromisesDecidedBy(const std::string& vatID) {
  // In vref order, as SwingSet walks them: the order of the rejections that follow.
  std::vector<std::string> out;
  for (const auto& [vref, kpid] : VatState(state_, vatID).clistEntries("p")) {
    KernelSlot kp = *KernelSlot::parse(kpid);
    if (state_.promiseExists(kp) && state_.promiseState(kp) == PromiseState::kUnresolved &&
        state_.promiseDecider(kp) == vatID) {
      out.push_back(kpid);
    }
  }
  return out;
}

void Kernel::terminateVat(const std::string& vatID, bool reject, const CapData& info) {
  bool critical = false;
  if (state_.vatIsAlive(vatID)) {
    Json options = VatState(state_, vatID).options();
    critical = options.value("critical", false);
    // The vat-admin vat's notice for a static vat does not say why; this line does.
    fmt::print(stderr, "kernel: terminating vat {} ({}){}: {}\n", vatID, options.value("name", "?"),
               reject ? " with failure" : "", info.body);
    std::vector<std::string> decided = unresolvedPromisesDecidedBy(vatID);
    warehouse_.storeNow(vatID);
    state_.markVatTerminated(vatID);
    storage_.snapshots().stopUsingLastSnapshot(vatID);
    storage_.transcripts().stopUsingTranscript(vatID);
    for (const std::string& kpid : decided) resolveToError(kpid, kernelError("vat terminated"), vatID);
  }
  warehouse_.evict(vatID);
  if (critical) panic(fmt::format("critical vat {} failed: {}", vatID, info.body));
  if (std::optional<std::string> vatAdmin = state_.kv().get("vatAdminRootKref")) {
    // vatTerminated(vatID, shouldReject, info): info's slots keep their indices. As SwingSet's
    // notifyTermination, info goes through the kernel's own marshal, which drops errorIds.
    CapData reason = withoutErrorIds(info);
    CapData args{fmt::format("#[{},{},{}]", quoteJson(vatID), reject ? "true" : "false", reason.body.substr(1)), reason.slots};
    queueToKref(*vatAdmin, "vatTerminated", args, "logFailure");
  }
}

// One cleanup crank: phases in SwingSet's order, each stopping the crank when its budget is
// spent. Exports are orphaned (their importers then see them dropped by GC), imports and
// promises are released, then every other vNN.* key (vatParameters releasing what they hold), the
// snapshots and the transcript go.
// Returns true when nothing of the vat is left.
bool Kernel::cleanupTerminatedVat(const std::string& vatID) {
  const CleanupBudget& budget = options_.cleanup;
  VatState vat(state_, vatID);
  auto releaseAll = [&](const std::string& vrefPrefix, uint64_t limit, bool orphan) {
    for (uint64_t n = 0; n < limit; n++) {
      std::optional<std::pair<std::string, std::string>> e = vat.firstCListEntry(vrefPrefix);
      if (!e) return true;
      if (orphan) {
        vat.orphanExport(e->second, e->first);
      } else {
        vat.deleteCListEntry(e->second, e->first);
      }
    }
    return !vat.firstCListEntry(vrefPrefix);
  };
  if (!releaseAll("o+", budget.exports, /*orphan=*/true)) return false;
  if (!releaseAll("o-", budget.imports, false)) return false;
  if (!releaseAll("p", budget.promises, false)) return false;
  KVStore& kv = state_.kv();
  std::string prefix = vatID + ".";
  for (uint64_t n = 0;; n++) {
    std::optional<std::string> k = kv.getNextKey(prefix);
    if (!k || !k->starts_with(prefix)) break;
    if (n == budget.kv) return false;
    if (*k == prefix + "vatParameters") {  // what they held is released with them (SwingSet leaks it)
      std::optional<CapData> vp = CapData::fromJson(parseJson(*kv.get(*k)).value_or(Json()));
      SS_INSIST(vp, "{} is not capdata", *k);
      state_.decrementSlots(vp->slots);
    }
    kv.remove(*k);
  }
  if (!storage_.snapshots().deleteVatSnapshots(vatID, budget.snapshots).done) return false;
  return storage_.transcripts().deleteVatTranscripts(vatID, budget.transcripts).done;
}

}  // namespace swingset
