#pragma once
// VatState: one vat's keys (vatKeeper in JS). A cheap view: construct one per use.
//   vN.c.<kref> = "R <vref>" | "_ <vref>"   (flag: reachable or recognizable-only)
//   vN.c.<vref> = <kref>
//   vN.o.nextID (50), vN.p.nextID (60), vN.d.nextID (70): import allocation counters
//   vN.vs.<key>: the vat's vatstore; vN.options, vN.source, vN.vatParameters, vN.reapDirt
// Refcounts (reference/refs-and-clists.md §4): an importing object entry adds recognizable +1
// and, while flagged R, reachable +1; a promise entry adds 1; an exporting object entry adds
// nothing; device nodes are not counted.
#include <optional>
#include <string>
#include <vector>

#include "kernel/refs.h"
#include "kernel/state/kernel_state.h"

namespace swingset {

class VatState {
 public:
  VatState(KernelState& kernel, std::string vatID);
  const std::string& vatID() const { return vatID_; }

  void initialize(const std::string& sourceJson, const std::string& optionsJson);
  void setSourceAndOptions(const Json& source, const Json& options);  // an upgrade
  Json options();
  Json source();

  // The next number of each kind of import vref (vN.o.nextID, vN.p.nextID, vN.d.nextID). A vat
  // moved to another kernel keeps them, so no vref it may still remember is handed out again.
  struct NextImportIDs {
    uint64_t object = 50, promise = 60, device = 70;
    bool operator==(const NextImportIDs&) const = default;
  };
  NextImportIDs nextImportIDs();
  void setNextImportIDs(const NextImportIDs& ids);

  // --- c-list
  // kernel -> vat: allocates an import if needed; with setReachable, flags it R.
  VatSlot mapKernelSlotToVatSlot(const std::string& kref, bool setReachable = true);
  // vat -> kernel: allocates a kernel object/promise for a new export, nullopt for an unknown
  // import (a vat fault: the caller decides). With setReachable an export is flagged R, and an
  // import flagged `_` is refused (nullopt): the vat used something it had dropped.
  std::optional<std::string> mapVatSlotToKernelSlot(const VatSlot& vref, bool setReachable = true);
  std::optional<std::string> krefForVref(const std::string& vref);
  std::optional<std::string> vrefForKref(const std::string& kref);
  bool reachableFlag(const std::string& kref);  // panics if there is no entry
  void clearReachableFlag(const std::string& kref);
  void deleteCListEntry(const std::string& kref, const std::string& vref);
  // The c-list entries whose vref starts with `vrefPrefix` ("p", "o+", "o-"), as (vref, kref), in
  // vref key order: the order SwingSet walks them, which decides the order of what follows.
  std::vector<std::pair<std::string, std::string>> clistEntries(const std::string& vrefPrefix);
  // The first c-list entry whose vref starts with `vrefPrefix`, as (vref, kref): for walks that
  // delete as they go and stop at a budget.
  std::optional<std::pair<std::string, std::string>> firstCListEntry(const std::string& vrefPrefix);
  // The vat no longer owns this export (upgrade, termination, abandonExports): its c-list entry
  // and the object's owner go; the object lives on while others reference it.
  void orphanExport(const std::string& kref, const std::string& vref);
  // Adds kref <-> vref with the given flag, counted as the allocation paths above count it. For a
  // vat brought in from another kernel (controller/vat_archive.h), whose vrefs must not change.
  void addCListEntry(const std::string& kref, const VatSlot& vref, bool reachable);

  // --- vatstore
  std::optional<std::string> vatstoreGet(const std::string& key);
  void vatstoreSet(const std::string& key, const std::string& value);
  void vatstoreDelete(const std::string& key);
  std::optional<std::string> vatstoreGetNextKey(const std::string& priorKey);

  // --- dirt: returns true when a threshold is reached (the vat should be reaped)
  bool addDirt(uint64_t deliveries, uint64_t gcKrefs, uint64_t computrons, const Json& threshold);
  void clearDirt();

 private:
  std::string key(const std::string& suffix) const { return vatID_ + "." + suffix; }
  std::string allocateImport(RefType type);

  KernelState& kernel_;  // owned by the Kernel
  KVStore& kv_;
  std::string vatID_;
};

}  // namespace swingset
