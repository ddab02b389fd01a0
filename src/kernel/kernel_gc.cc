// Kernel: distributed GC. processRefcounts() turns krefs whose counts reached zero into GC
// actions (kernelKeeper.processRefcounts); nextGCDelivery() turns the action set into at most
// one delivery per crank (gc-actions.js). Reference: refs-and-clists.md §6.
#include <map>

#include "base/panic.h"
#include "kernel/crank_results.h"
#include "kernel/state/vat_state.h"

namespace swingset {

void Kernel::retireKernelObject(KernelSlot ko) {
  std::vector<std::string> actions;
  std::vector<std::string> vats = state_.dynamicVatIDs();
  for (const std::string& name : state_.staticVatNames()) {
    if (std::optional<std::string> id = state_.vatIDForName(name)) vats.push_back(*id);
  }
  for (const std::string& vatID : vats) {
    std::optional<std::string> vref = VatState(state_, vatID).vrefForKref(ko.str());
    if (vref && (*vref)[1] == '-') actions.push_back(fmt::format("{} retireImport {}", vatID, ko.str()));
  }
  state_.addGCActions(actions);
  state_.deleteKernelObject(ko);
}

void Kernel::processRefcounts() {
  std::vector<std::string> actions;
  std::set<std::string>& maybeFree = state_.maybeFree();
  // Deleting a promise can free more krefs: keep going until the set stays empty.
  while (!maybeFree.empty()) {
    std::string kref = *maybeFree.begin();
    maybeFree.erase(maybeFree.begin());
    KernelSlot k = *KernelSlot::parse(kref);
    if (k.isPromise()) {
      if (state_.promiseExists(k) && state_.getPromise(k).refCount == 0) state_.deletePromise(k);
      continue;
    }
    if (!k.isObject() || !state_.objectExists(k)) continue;
    RefCount c = state_.objectRefCount(k);
    if (c.reachable > 0) continue;
    std::optional<std::string> owner = state_.objectOwner(k);
    if (owner && state_.vatIsAlive(*owner)) {
      VatState vat(state_, *owner);
      if (vat.vrefForKref(kref) && vat.reachableFlag(kref)) actions.push_back(fmt::format("{} dropExport {}", *owner, kref));
      if (c.recognizable == 0) actions.push_back(fmt::format("{} retireExport {}", *owner, kref));
    } else if (owner) {
      // Its exporter is dead and awaits deletion: abandon the export now, then treat it as orphaned.
      VatState vat(state_, *owner);
      std::optional<std::string> vref = vat.vrefForKref(kref);
      state_.orphanObject(k);
      if (vref) {
        state_.kv().remove(*owner + ".c." + kref);
        state_.kv().remove(*owner + ".c." + *vref);
      }
      owner.reset();
    }
    if (!owner) {
      if (c.recognizable > 0) {
        retireKernelObject(k);
      } else {
        state_.deleteKernelObject(k);
      }
    }
  }
  if (!actions.empty()) state_.addGCActions(actions);
}

std::optional<Json> Kernel::nextGCDelivery() {
  std::set<std::string> all = state_.gcActions();
  if (all.empty()) return std::nullopt;
  // Group by vat (string order: v10 before v2), then by type in priority order.
  static const char* const kTypes[] = {"dropExport", "retireExport", "retireImport"};
  std::map<std::string, std::map<std::string, std::vector<std::string>>> groups;  // vat -> type -> actions
  for (const std::string& a : all) {
    size_t s1 = a.find(' '), s2 = a.rfind(' ');
    groups[a.substr(0, s1)][a.substr(s1 + 1, s2 - s1 - 1)].push_back(a);
  }
  std::optional<Json> delivery;
  for (auto& [vatID, byType] : groups) {
    for (const char* type : kTypes) {
      auto it = byType.find(type);
      if (it == byType.end()) continue;
      std::vector<std::string> krefs;
      bool alive = state_.vatIsAlive(vatID);
      for (const std::string& action : it->second) {
        all.erase(action);
        std::string kref = action.substr(action.rfind(' ') + 1);
        KernelSlot ko = *KernelSlot::parse(kref);
        if (!alive) continue;
        VatState vat(state_, vatID);
        bool hasCList = vat.vrefForKref(kref).has_value();
        bool exists = state_.objectExists(ko);
        RefCount c = exists ? state_.objectRefCount(ko) : RefCount{};
        bool process = true;
        if (std::string(type) == "dropExport") process = exists && c.reachable == 0 && hasCList && vat.reachableFlag(kref);
        if (std::string(type) == "retireExport") process = exists && c.reachable == 0 && c.recognizable == 0 && hasCList;
        if (std::string(type) == "retireImport") process = hasCList;
        if (process) krefs.push_back(kref);
      }
      if (!krefs.empty()) {
        std::sort(krefs.begin(), krefs.end());
        delivery = Json::object({{"type", std::string(type) + "s"}, {"vatID", vatID}, {"krefs", krefs}});
        break;
      }
    }
    if (delivery) break;
  }
  state_.setGCActions(all);
  if (!delivery) delivery = Json::object({{"type", "negated-gc-action"}});
  return delivery;
}

}  // namespace swingset
