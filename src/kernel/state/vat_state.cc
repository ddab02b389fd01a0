#include "kernel/state/vat_state.h"

#include "base/panic.h"

namespace swingset {

VatState::VatState(KernelState& kernel, std::string vatID)
    : kernel_(kernel), kv_(kernel.kv()), vatID_(std::move(vatID)) {}

void VatState::initialize(const std::string& sourceJson, const std::string& optionsJson) {
  setNextImportIDs({});
  kv_.set(key("reapDirt"), "{}");
  kv_.set(key("source"), sourceJson);
  kv_.set(key("options"), optionsJson);
}

void VatState::setSourceAndOptions(const Json& source, const Json& options) {
  kv_.set(key("source"), toJson(source));
  kv_.set(key("options"), toJson(options));
}

Json VatState::options() {
  std::optional<Json> j = parseJson(kv_.getRequired(key("options")));
  SS_INSIST(j && j->is_object(), "{}.options is not a JSON object", vatID_);
  return *j;
}

Json VatState::source() {
  std::optional<Json> j = parseJson(kv_.getRequired(key("source")));
  SS_INSIST(j && j->is_object(), "{}.source is not a JSON object", vatID_);
  return *j;
}

VatState::NextImportIDs VatState::nextImportIDs() {
  auto get = [&](const char* k) { return std::stoull(kv_.getRequired(key(k))); };
  return {get("o.nextID"), get("p.nextID"), get("d.nextID")};
}

void VatState::setNextImportIDs(const NextImportIDs& ids) {
  kv_.set(key("o.nextID"), std::to_string(ids.object));
  kv_.set(key("p.nextID"), std::to_string(ids.promise));
  kv_.set(key("d.nextID"), std::to_string(ids.device));
}

std::string VatState::allocateImport(RefType type) {
  std::string counter = key(std::string(1, static_cast<char>(type)) + ".nextID");
  uint64_t n = std::stoull(kv_.getRequired(counter));
  kv_.set(counter, std::to_string(n + 1));
  return fmt::format("{}-{}", static_cast<char>(type), n);
}

std::optional<std::string> VatState::krefForVref(const std::string& vref) { return kv_.get(key("c." + vref)); }

std::optional<std::string> VatState::vrefForKref(const std::string& kref) {
  std::optional<std::string> v = kv_.get(key("c." + kref));
  if (!v) return std::nullopt;
  SS_INSIST(v->size() > 2 && (*v)[1] == ' ', "{}.c.{} is '{}'", vatID_, kref, *v);
  return v->substr(2);
}

bool VatState::reachableFlag(const std::string& kref) {
  std::string v = kv_.getRequired(key("c." + kref));
  return v[0] == 'R';
}

void VatState::clearReachableFlag(const std::string& kref) {
  std::string v = kv_.getRequired(key("c." + kref));
  if (v[0] == '_') return;
  v[0] = '_';
  kv_.set(key("c." + kref), v);
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  if (k && k->isObject() && v[2] == 'o' && v[3] == '-') kernel_.adjustReachable(*k, -1);
}

VatSlot VatState::mapKernelSlotToVatSlot(const std::string& kref, bool setReachable) {
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  SS_INSIST(k, "mapKernelSlotToVatSlot({}): not a kref", kref);
  std::optional<std::string> vref = vrefForKref(kref);
  if (!vref) {
    SS_INSIST(!(k->isObject() && kernel_.objectOwner(*k) == vatID_),
              "{} owns {} but has no c-list entry for it", vatID_, kref);
    vref = allocateImport(k->type);
    kv_.set(key("c." + kref), "_ " + *vref);
    kv_.set(key("c." + *vref), kref);
    if (k->isObject()) kernel_.incrementRefCount(kref, /*onlyRecognizable=*/true);
    if (k->isPromise()) kernel_.incrementRefCount(kref);
  }
  if (setReachable) {
    std::string entry = kv_.getRequired(key("c." + kref));
    if (entry[0] == '_') {
      bool isImport = (*vref)[1] == '-';
      SS_INSIST(isImport || !k->isObject(), "{}: export {} of {} is not reachable", kref, *vref, vatID_);
      entry[0] = 'R';
      kv_.set(key("c." + kref), entry);
      if (k->isObject()) kernel_.adjustReachable(*k, +1);  // only imports get here
    }
  }
  std::optional<VatSlot> parsed = VatSlot::parse(*vref);
  SS_INSIST(parsed, "{} maps {} to bad vref '{}'", vatID_, kref, *vref);
  return *parsed;
}

std::optional<std::string> VatState::mapVatSlotToKernelSlot(const VatSlot& vref, bool setReachable) {
  std::optional<std::string> kref = krefForVref(vref.str());
  if (!kref) {
    if (!vref.allocatedByVat || vref.isDevice()) return std::nullopt;  // unknown import; vats export no devices
    if (vref.isObject()) {
      kref = kernel_.addKernelObject(vatID_).str();
    } else {
      KernelSlot kp = kernel_.addKernelPromise();
      kernel_.setDecider(kp, vatID_);
      kref = kp.str();
    }
    kv_.set(key("c." + *kref), "_ " + vref.str());
    kv_.set(key("c." + vref.str()), *kref);
    if (vref.isPromise()) kernel_.incrementRefCount(*kref);
  }
  if (setReachable) {
    std::string entry = kv_.getRequired(key("c." + *kref));
    if (entry[0] == '_') {
      if (vref.isObject() && !vref.allocatedByVat) return std::nullopt;  // a dropped import, used again
      entry[0] = 'R';
      kv_.set(key("c." + *kref), entry);  // only an object import's flag counts, and that was refused
    }
  }
  return kref;
}

void VatState::deleteCListEntry(const std::string& kref, const std::string& vref) {
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  SS_INSIST(k, "deleteCListEntry({}): not a kref", kref);
  bool reachable = reachableFlag(kref);
  bool isImport = vref.size() > 1 && vref[1] == '-';
  kv_.remove(key("c." + kref));
  kv_.remove(key("c." + vref));
  if (k->isObject() && isImport) {
    kernel_.decrementRefCount(kref, /*onlyRecognizable=*/!reachable);
  } else if (k->isPromise()) {
    kernel_.decrementRefCount(kref);
  }
}

void VatState::addCListEntry(const std::string& kref, const VatSlot& vref, bool reachable) {
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  SS_INSIST(k && k->type == vref.type, "addCListEntry({}, {}): mismatched refs", kref, vref.str());
  SS_INSIST(!vrefForKref(kref) && !krefForVref(vref.str()), "{} already maps {} or {}", vatID_, kref, vref.str());
  kv_.set(key("c." + kref), std::string(reachable ? "R " : "_ ") + vref.str());
  kv_.set(key("c." + vref.str()), kref);
  if (k->isPromise()) {
    kernel_.incrementRefCount(kref);
  } else if (k->isObject() && !vref.allocatedByVat) {
    kernel_.incrementRefCount(kref, /*onlyRecognizable=*/!reachable);
  }
}

std::vector<std::pair<std::string, std::string>> VatState::clistEntries(const std::string& vrefPrefix) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t skip = vatID_.size() + 3;  // "vN.c."
  kv_.forEachWithPrefix(key("c." + vrefPrefix), [&](std::string_view k, std::string_view kref) {
    out.emplace_back(k.substr(skip), kref);
  });
  return out;
}

std::optional<std::pair<std::string, std::string>> VatState::firstCListEntry(const std::string& vrefPrefix) {
  std::string prefix = key("c." + vrefPrefix);
  std::optional<std::string> k = kv_.getNextKey(prefix);
  if (!k || !k->starts_with(prefix)) return std::nullopt;
  return std::make_pair(k->substr(vatID_.size() + 3), kv_.getRequired(*k));
}

void VatState::orphanExport(const std::string& kref, const std::string& vref) {
  std::optional<KernelSlot> ko = KernelSlot::parse(kref);
  SS_INSIST(ko && ko->isObject() && kernel_.objectOwner(*ko) == vatID_, "{} is not an export of {}", kref, vatID_);
  kernel_.orphanObject(*ko);
  kv_.remove(key("c." + kref));
  kv_.remove(key("c." + vref));
  kernel_.maybeFree().insert(kref);
}

std::optional<std::string> VatState::vatstoreGet(const std::string& k) { return kv_.get(key("vs." + k)); }
void VatState::vatstoreSet(const std::string& k, const std::string& value) { kv_.set(key("vs." + k), value); }
void VatState::vatstoreDelete(const std::string& k) { kv_.remove(key("vs." + k)); }

std::optional<std::string> VatState::vatstoreGetNextKey(const std::string& priorKey) {
  std::string prefix = key("vs.");
  std::optional<std::string> next = kv_.getNextKey(prefix + priorKey);
  if (!next || !next->starts_with(prefix)) return std::nullopt;
  return next->substr(prefix.size());
}

bool VatState::addDirt(uint64_t deliveries, uint64_t gcKrefs, uint64_t computrons, const Json& threshold) {
  if (threshold.value("never", false)) return false;
  std::optional<Json> dirt = parseJson(kv_.get(key("reapDirt")).value_or("{}"));
  SS_INSIST(dirt && dirt->is_object(), "{}.reapDirt is not a JSON object", vatID_);
  bool reap = false;
  // As vatKeeper.addDirt with deliveryCrankResults' dirt: {deliveries: 1} and, only when not
  // zero, computrons and gcKrefs, in that order.
  auto add = [&](const char* name, uint64_t amount) {
    if (amount == 0) return;
    auto t = threshold.find(name);
    // "never", absent or 0 (falsy in vatKeeper.addDirt): not counted
    if (t == threshold.end() || !t->is_number() || t->get<double>() == 0) return;
    uint64_t v = dirt->value(name, uint64_t{0}) + amount;
    (*dirt)[name] = v;
    if (v >= t->get<uint64_t>()) reap = true;
  };
  add("deliveries", deliveries);
  add("computrons", computrons);
  add("gcKrefs", gcKrefs);
  kv_.set(key("reapDirt"), toJson(*dirt));
  return reap;
}

void VatState::clearDirt() { kv_.set(key("reapDirt"), "{}"); }

}  // namespace swingset
