#include "kernel/state/kernel_state.h"

#include <algorithm>

#include "base/panic.h"

namespace swingset {

Json Message::toJson() const {
  Json j = Json::object();
  j["methargs"] = methargs.toJson();
  j["result"] = result ? Json(*result) : Json(nullptr);
  return j;
}

std::optional<Message> Message::fromJson(const Json& j) {
  if (!j.is_object() || !j.contains("methargs")) return std::nullopt;
  std::optional<CapData> methargs = CapData::fromJson(j["methargs"]);
  if (!methargs) return std::nullopt;
  Message m{*methargs, std::nullopt};
  auto r = j.find("result");
  if (r != j.end() && !r->is_null()) {
    if (!r->is_string()) return std::nullopt;
    m.result = r->get<std::string>();
  }
  return m;
}

KernelState::KernelState(KVStore& kv) : kv_(kv) {
  if (kv_.has("kernelStats")) reloadStats();
}

void KernelState::createStartingKeys() {
  kv_.set("vat.names", "[]");
  kv_.set("vat.dynamicIDs", "[]");
  kv_.set("vat.nextID", "1");
  kv_.set("vat.nextUpgradeID", "1");
  kv_.set("vats.terminated", "[]");
  kv_.set("device.names", "[]");
  kv_.set("device.nextID", "7");
  kv_.set("ko.nextID", "20");
  kv_.set("kd.nextID", "30");
  kv_.set("kp.nextID", "40");
  kv_.set("meter.nextID", "1");
  kv_.set("gcActions", "[]");
  kv_.set("runQueue", "[1,1]");
  kv_.set("acceptanceQueue", "[1,1]");
  kv_.set("reapQueue", "[]");
  kv_.set("crankNumber", "0");
  saveStats();
}

uint64_t KernelState::allocateCounter(const std::string& key) {
  std::string v = kv_.getRequired(key);
  uint64_t n = std::stoull(v);
  kv_.set(key, std::to_string(n + 1));
  return n;
}

uint64_t KernelState::crankNumber() { return std::stoull(kv_.get("crankNumber").value_or("0")); }
void KernelState::incrementCrankNumber() { kv_.set("crankNumber", std::to_string(crankNumber() + 1)); }

void KernelState::QueueStat::add(int64_t delta) {
  length += delta;
  (delta > 0 ? up : down) += delta > 0 ? delta : -delta;
  max = std::max(max, length);
}

void KernelState::reloadStats() {
  std::optional<Json> j = parseJson(kv_.getRequired("kernelStats"));
  SS_INSIST(j && j->is_object(), "kernelStats is not a JSON object");
  auto load = [&](QueueStat& s, const std::string& name) {
    s.length = j->value(name, int64_t{0});
    s.up = j->value(name + "Up", int64_t{0});
    s.down = j->value(name + "Down", int64_t{0});
    s.max = j->value(name + "Max", int64_t{0});
  };
  load(runQueueStat_, "runQueueLength");
  load(acceptanceQueueStat_, "acceptanceQueueLength");
  load(promiseQueuesStat_, "promiseQueuesLength");
}

void KernelState::saveStats() {
  Json j = Json::object();
  auto save = [&](const QueueStat& s, const std::string& name) {
    j[name] = s.length;
    j[name + "Up"] = s.up;
    j[name + "Down"] = s.down;
    j[name + "Max"] = s.max;
  };
  save(runQueueStat_, "runQueueLength");
  save(acceptanceQueueStat_, "acceptanceQueueLength");
  save(promiseQueuesStat_, "promiseQueuesLength");
  kv_.set("kernelStats", toJson(j));
}

// --- vats and devices

std::vector<std::string> KernelState::jsonStringArray(const std::string& key) {
  std::optional<std::string> v = kv_.get(key);
  if (!v) return {};
  std::optional<Json> j = parseJson(*v);
  SS_INSIST(j && j->is_array(), "{} is not a JSON array: {}", key, *v);
  std::vector<std::string> out;
  for (const Json& e : *j) out.push_back(e.get<std::string>());
  return out;
}

void KernelState::setJsonStringArray(const std::string& key, const std::vector<std::string>& items) {
  kv_.set(key, toJson(Json(items)));
}

std::string KernelState::allocateVatID() { return vatIDString(allocateCounter("vat.nextID")); }
uint64_t KernelState::allocateUpgradeID() { return allocateCounter("vat.nextUpgradeID"); }
std::string KernelState::allocateDeviceID() { return "d" + std::to_string(allocateCounter("device.nextID")); }

void KernelState::addStaticVat(const std::string& name, const std::string& vatID) {
  kv_.set("vat.name." + name, vatID);
  std::vector<std::string> names = jsonStringArray("vat.names");
  names.push_back(name);
  setJsonStringArray("vat.names", names);
}

void KernelState::addDynamicVat(const std::string& vatID) {
  std::vector<std::string> ids = jsonStringArray("vat.dynamicIDs");
  ids.push_back(vatID);
  setJsonStringArray("vat.dynamicIDs", ids);
}

void KernelState::addDevice(const std::string& name, const std::string& deviceID) {
  kv_.set("device.name." + name, deviceID);
  std::vector<std::string> names = jsonStringArray("device.names");
  names.push_back(name);
  setJsonStringArray("device.names", names);
}

std::optional<std::string> KernelState::vatIDForName(const std::string& name) { return kv_.get("vat.name." + name); }
std::optional<std::string> KernelState::deviceIDForName(const std::string& name) { return kv_.get("device.name." + name); }
std::vector<std::string> KernelState::staticVatNames() { return jsonStringArray("vat.names"); }
std::vector<std::string> KernelState::dynamicVatIDs() { return jsonStringArray("vat.dynamicIDs"); }

std::vector<std::string> KernelState::dynamicVatIDsNamed(const std::string& name) {
  std::vector<std::string> out;
  for (const std::string& vatID : dynamicVatIDs()) {
    std::optional<Json> options = parseJson(kv_.getRequired(vatID + ".options"));
    SS_INSIST(options && options->is_object(), "{}.options is not a JSON object", vatID);
    auto n = options->find("name");
    if (n != options->end() && n->is_string() && *n == name) out.push_back(vatID);
  }
  return out;
}

bool KernelState::vatIsAlive(const std::string& vatID) {
  // A vat is alive while it has options and is not listed as terminated.
  if (!kv_.has(vatID + ".options")) return false;
  if (kv_.get("vats.terminated").value_or("[]") == "[]") return true;  // the common case: no parse
  std::vector<std::string> dead = jsonStringArray("vats.terminated");
  return std::find(dead.begin(), dead.end(), vatID) == dead.end();
}

void KernelState::markVatTerminated(const std::string& vatID) {
  std::vector<std::string> ids = dynamicVatIDs();
  if (auto it = std::find(ids.begin(), ids.end(), vatID); it != ids.end()) {
    ids.erase(it);
    setJsonStringArray("vat.dynamicIDs", ids);
  } else {
    std::vector<std::string> names = staticVatNames();
    for (auto n = names.begin(); n != names.end(); ++n) {
      if (vatIDForName(*n) == vatID) {
        kv_.remove("vat.name." + *n);
        names.erase(n);
        setJsonStringArray("vat.names", names);
        break;
      }
    }
  }
  std::vector<std::string> dead = jsonStringArray("vats.terminated");
  dead.push_back(vatID);
  setJsonStringArray("vats.terminated", dead);
}

std::optional<std::string> KernelState::firstTerminatedVat() {
  if (kv_.get("vats.terminated").value_or("[]") == "[]") return std::nullopt;
  return jsonStringArray("vats.terminated").front();
}

void KernelState::forgetTerminatedVat(const std::string& vatID) {
  std::vector<std::string> dead = jsonStringArray("vats.terminated");
  std::erase(dead, vatID);
  setJsonStringArray("vats.terminated", dead);
}

// --- kernel objects

KernelSlot KernelState::addKernelObject(const std::string& ownerVatID) {
  KernelSlot ko{RefType::kObject, allocateCounter("ko.nextID")};
  kv_.set(ko.str() + ".owner", ownerVatID);
  setObjectRefCount(ko, {});
  return ko;
}

std::optional<std::string> KernelState::objectOwner(KernelSlot ko) { return kv_.get(ko.str() + ".owner"); }
void KernelState::orphanObject(KernelSlot ko) { kv_.remove(ko.str() + ".owner"); }
bool KernelState::objectExists(KernelSlot ko) { return kv_.has(ko.str() + ".refCount"); }

RefCount KernelState::objectRefCount(KernelSlot ko) {
  std::optional<std::string> v = kv_.get(ko.str() + ".refCount");
  if (!v) return {};
  size_t comma = v->find(',');
  SS_INSIST(comma != std::string::npos, "{}.refCount is '{}'", ko.str(), *v);
  RefCount c{std::stoull(v->substr(0, comma)), std::stoull(v->substr(comma + 1))};
  SS_INSIST(c.reachable <= c.recognizable, "{}.refCount is '{}'", ko.str(), *v);
  return c;
}

void KernelState::setObjectRefCount(KernelSlot ko, RefCount c) {
  SS_INSIST(c.reachable <= c.recognizable, "{} refcount {},{}", ko.str(), c.reachable, c.recognizable);
  kv_.set(ko.str() + ".refCount", fmt::format("{},{}", c.reachable, c.recognizable));
}

void KernelState::deleteKernelObject(KernelSlot ko) {
  kv_.remove(ko.str() + ".owner");
  kv_.remove(ko.str() + ".refCount");
}

KernelSlot KernelState::addKernelDeviceNode(const std::string& deviceID) {
  KernelSlot kd{RefType::kDevice, allocateCounter("kd.nextID")};
  kv_.set(kd.str() + ".owner", deviceID);
  return kd;
}

std::optional<std::string> KernelState::deviceNodeOwner(KernelSlot kd) { return kv_.get(kd.str() + ".owner"); }

void KernelState::incrementRefCount(const std::string& kref, bool onlyRecognizable) {
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  SS_INSIST(k, "incrementRefCount of '{}'", kref);
  if (k->isObject()) {
    RefCount c = objectRefCount(*k);
    if (!onlyRecognizable) c.reachable++;
    c.recognizable++;
    setObjectRefCount(*k, c);
  } else if (k->isPromise()) {
    std::string key = kref + ".refCount";
    kv_.set(key, std::to_string(std::stoull(kv_.getRequired(key)) + 1));
  }
}

void KernelState::decrementRefCount(const std::string& kref, bool onlyRecognizable) {
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  SS_INSIST(k, "decrementRefCount of '{}'", kref);
  if (k->isObject()) {
    // A retired object is deleted before its importers' c-list entries (retireKernelObject, then a
    // retireImports delivery): those entries no longer count, as in JS (a no-op on a gone object).
    if (!objectExists(*k)) return;
    RefCount c = objectRefCount(*k);
    SS_INSIST(c.recognizable > 0 && (onlyRecognizable || c.reachable > 0), "{} refcount underflow", kref);
    if (!onlyRecognizable) c.reachable--;
    c.recognizable--;
    setObjectRefCount(*k, c);
    if (c.reachable == 0 || c.recognizable == 0) maybeFree_.insert(kref);
  } else if (k->isPromise()) {
    std::string key = kref + ".refCount";
    uint64_t n = std::stoull(kv_.getRequired(key));
    SS_INSIST(n > 0, "{} refcount underflow", kref);
    kv_.set(key, std::to_string(n - 1));
    if (n == 1) maybeFree_.insert(kref);
  }
}

void KernelState::adjustReachable(KernelSlot ko, int delta) {
  RefCount c = objectRefCount(ko);
  SS_INSIST(delta > 0 || c.reachable > 0, "{} reachable count underflow", ko.str());
  c.reachable = delta > 0 ? c.reachable + 1 : c.reachable - 1;
  setObjectRefCount(ko, c);
  if (c.reachable == 0) maybeFree_.insert(ko.str());
}

void KernelState::incrementSlots(const std::vector<std::string>& krefs) {
  for (const std::string& k : krefs) incrementRefCount(k);
}
void KernelState::decrementSlots(const std::vector<std::string>& krefs) {
  for (const std::string& k : krefs) decrementRefCount(k);
}

void KernelState::pinObject(KernelSlot ko) {
  std::vector<std::string> pinned = splitSlots(kv_.get("pinnedObjects").value_or(""));
  if (std::find(pinned.begin(), pinned.end(), ko.str()) != pinned.end()) return;
  pinned.push_back(ko.str());
  std::sort(pinned.begin(), pinned.end());
  kv_.set("pinnedObjects", joinSlots(pinned));
  incrementRefCount(ko.str());
}

// --- GC actions and reaping

std::set<std::string> KernelState::gcActions() {
  std::vector<std::string> v = jsonStringArray("gcActions");
  return {v.begin(), v.end()};
}

void KernelState::setGCActions(const std::set<std::string>& actions) {
  // std::set<std::string> orders by bytes, as JS's default sort does for these ASCII strings.
  setJsonStringArray("gcActions", {actions.begin(), actions.end()});
}

void KernelState::addGCActions(const std::vector<std::string>& actions) {
  std::set<std::string> all = gcActions();
  all.insert(actions.begin(), actions.end());
  setGCActions(all);
}

std::vector<std::string> KernelState::reapQueue() { return jsonStringArray("reapQueue"); }

void KernelState::scheduleReap(const std::string& vatID) {
  std::vector<std::string> q = reapQueue();
  if (std::find(q.begin(), q.end(), vatID) != q.end()) return;
  q.push_back(vatID);
  setJsonStringArray("reapQueue", q);
}

std::optional<std::string> KernelState::nextReapVat() {
  std::vector<std::string> q = reapQueue();
  if (q.empty()) return std::nullopt;
  std::string first = q.front();
  q.erase(q.begin());
  setJsonStringArray("reapQueue", q);
  return first;
}

}  // namespace swingset
