#include "kernel/kernel.h"

#include <algorithm>

#include "base/panic.h"
#include "kernel/crank_results.h"
#include "kernel/smallcaps.h"
#include "kernel/state/device_state.h"
#include "kernel/state/vat_state.h"
#include "kernel/vat_syscalls.h"
#include "store/bundle_store.h"

namespace swingset {
namespace {

// Leaving a crank without end() means it failed halfway: the store is latched broken, so no
// later commit can save any part of it.
class CrankScope {
 public:
  explicit CrankScope(KernelStorage& s) : storage_(s) { storage_.startCrank(); }
  CrankScope(const CrankScope&) = delete;
  CrankScope& operator=(const CrankScope&) = delete;
  ~CrankScope() {
    if (!ended_) storage_.markBroken("a crank unwound before it ended");
  }
  void ended() { ended_ = true; }

 private:
  KernelStorage& storage_;
  bool ended_ = false;
};

}  // namespace

Kernel::Kernel(KernelStorage& storage, const WorkerPackages& packages, KernelOptions options)
    : storage_(storage),
      packages_(packages),
      options_(options),
      state_(storage.kv()),
      warehouse_(storage, state_, packages, options.warehouse) {}

Kernel::~Kernel() = default;

void Kernel::addDevice(const std::string& deviceID, Device& device) { devices_[deviceID] = &device; }

void Kernel::shutdown() { warehouse_.shutdown(); }

uint64_t Kernel::run(RunPolicy* policy) {
  uint64_t cranks = 0;
  for (;;) {
    CrankSummary crank;
    if (!step(&crank)) break;
    cranks++;
    if (policy && !policy->crankComplete(crank)) break;
  }
  return cranks;
}

bool Kernel::step(CrankSummary* summary) {
  storage_.requireNotBroken();  // a panicked kernel stays panicked
  if (!state_.hasWork()) {
    return false;
  }
  warehouse_.flushSnapshots(/*all=*/false);  // between cranks: see flushSnapshots()
  CrankScope scope(storage_);
  CrankSummary done;
  try {
    loadAhead();
    warehouse_.preloadSome();
    storage_.establishCrankSavepoint("start");
    if (std::optional<Json> item = state_.shiftAcceptanceQueue()) {
      done = processAcceptanceMessage(*item);
    } else if (std::optional<std::string> dead = state_.firstTerminatedVat()) {
      if (cleanupTerminatedVat(*dead)) state_.forgetTerminatedVat(*dead);
      endCrank();
    } else if (std::optional<Json> gc = nextGCDelivery()) {
      done = processDeliveryMessage(*gc);
    } else if (std::optional<std::string> vatID = state_.nextReapVat()) {
      done = processDeliveryMessage(Json::object({{"type", "bringOutYourDead"}, {"vatID", *vatID}}));
    } else if (std::optional<Json> next = state_.shiftRunQueue()) {
      done = processDeliveryMessage(*next);
    }
  } catch (const std::exception& e) {  // any escape is a panic: latch it, never commit
    storage_.markBroken(e.what());
    warehouse_.shutdown();
    throw KernelPanic(fmt::format("kernel panic: {}", e.what()));
  }
  scope.ended();
  done.didCrank = true;
  if (summary) *summary = done;
  return true;
}

// The vats the next few run-queue items go to start loading now, on another core, so that when
// a delivery reaches an offline vat (a message to each of many vats) its worker start and replay
// have already happened or are under way.
void Kernel::loadAhead() {
  constexpr uint64_t kDepth = 5;  // a little past VatWarehouse's kMaxAhead, as vats repeat
  auto [head, tail] = state_.runQueueBounds();
  upcoming_.erase(upcoming_.begin(), upcoming_.lower_bound(head));
  vatStarts_.erase(vatStarts_.begin(), vatStarts_.lower_bound(head));
  std::vector<std::string> vats, born;
  for (uint64_t pos = head; pos < tail && pos < head + kDepth; pos++) {
    auto it = upcoming_.find(pos);
    if (it == upcoming_.end()) it = upcoming_.emplace(pos, state_.runQueueItemVat(pos)).first;
    if (it->second && std::find(vats.begin(), vats.end(), *it->second) == vats.end()) vats.push_back(*it->second);
    if (it->second) continue;  // a send or notify
    auto s = vatStarts_.find(pos);
    if (s == vatStarts_.end()) {
      std::optional<Json> item = state_.runQueueVatStart(pos);
      std::string vatID = item ? item->value("vatID", "") : "";
      if (vatID.empty() || warehouse_.bearing(vatID)) {  // none to start, or (after a rollback) one started
        s = vatStarts_.emplace(pos, vatID).first;
      } else if (warehouse_.canBearAhead()) {
        s = vatStarts_.emplace(pos, bearAhead(*item) ? vatID : "").first;
      } else {
        continue;  // no room yet: looked at again before the next crank
      }
    }
    if (!s->second.empty()) born.push_back(s->second);
  }
  warehouse_.setUpcoming(vats);
  warehouse_.keepBirths(born);
}

// A create-vat event, or a static vat's startVat, in the run-queue: the vat's startVat can begin
// now, in the background, if it needs nothing the cranks before it could change
// (VatWarehouse::bearAhead). That is the common case: a bundle by ID and vatParameters without
// slots. Returns whether its birth began.
bool Kernel::bearAhead(const Json& item) {
  if (!item.contains("vatID") || !item["vatID"].is_string() || !item.contains("vatParameters")) return false;
  std::string vatID = item["vatID"];
  std::optional<CapData> vp = CapData::fromJson(item["vatParameters"]);
  if (!vp || !vp->slots.empty()) return false;
  VatWarehouse::BirthPlan plan;
  if (item.value("type", "") == "create-vat") {
    auto source = item.find("source");  // not copied: it may hold a whole bundle
    if (source == item.end() || !source->is_object() || !source->contains("bundleID")) return false;
    const Json& bundleID = (*source)["bundleID"];
    std::string error;
    std::optional<Json> options = item.contains("dynamicOptions") && item["dynamicOptions"].is_object()
                                      ? dynamicVatOptions(item, error) : std::nullopt;
    if (!bundleID.is_string() || !options) return false;
    plan.bundleID = bundleID;
    plan.options = std::move(*options);
  } else {  // a static vat's, queued by init: the vat is recorded already
    if (!state_.vatIsAlive(vatID)) return false;
    VatState vat(state_, vatID);
    plan.bundleID = vat.source().value("bundleID", "");
    plan.options = vat.options();
  }
  std::optional<std::string> bundle = storage_.bundles().getBundle(plan.bundleID);
  if (!bundle) return false;  // its crank fails, and says why
  plan.bundle = std::move(*bundle);
  plan.vdo = toJson(Json::array({"startVat", vp->toJson()}));  // what processStartVat delivers
  return warehouse_.bearAhead(vatID, std::move(plan));
}

void Kernel::endCrank() {
  processRefcounts();
  state_.incrementCrankNumber();
  state_.saveStats();
  storage_.endCrank();
}

CrankSummary Kernel::processAcceptanceMessage(const Json& item) {
  if (item.value("type", "") == "send") {
    std::string target = item["target"];
    std::optional<Message> msg = Message::fromJson(item["msg"]);
    SS_INSIST(msg, "malformed send in the acceptance queue: {}", toJson(item));
    std::optional<Route> route = routeSendEvent(target, *msg);
    if (!route) {
      decrementSendEventRefCount(target, *msg);
    } else {
      if (route->target != target) {
        state_.decrementRefCount(target);
        state_.incrementRefCount(route->target);
      }
      if (!route->vatID.empty()) {
        Json moved = item;
        moved["target"] = route->target;
        state_.addToRunQueue(moved);
      } else {
        state_.enqueueToPromise(*KernelSlot::parse(route->target), *msg);
      }
    }
  } else {
    state_.addToRunQueue(item);
  }
  endCrank();
  return {};
}

CrankSummary Kernel::processDeliveryMessage(const Json& item) {
  storage_.establishCrankSavepoint("deliver");
  CrankResults r = deliverRunQueueEvent(item);
  if (r.abort) {
    storage_.rollbackCrank(r.consumeMessage ? "deliver" : "start");
    state_.reloadStats();
    upcoming_.clear();  // the rollback may have un-queued items
    vatStarts_.clear();
    if (!r.didDelivery.empty()) warehouse_.evict(r.didDelivery);  // its heap is ahead of the store
    // A create-vat or upgrade-vat event that failed is consumed, not retried: the references its
    // vatParameters held, which the rollback gave back to it, go with it. (SwingSet leaks them.)
    if (r.consumeMessage && item.contains("vatParameters")) {
      std::optional<CapData> vp = CapData::fromJson(item["vatParameters"]);
      SS_INSIST(vp, "malformed {} event: {}", item.value("type", "?"), toJson(item));
      state_.decrementSlots(vp->slots);
    }
    // An exit-with-failure reason can name objects or promises the vat made in the very delivery
    // just rolled back, which no longer exist. SwingSet then panics; a vat must not be able to
    // stop the kernel, so such a reason becomes a plain error.
    if (r.terminate && !std::all_of(r.terminate->info.slots.begin(), r.terminate->info.slots.end(), [&](const std::string& s) {
          std::optional<KernelSlot> k = KernelSlot::parse(s);
          return k && (k->isObject() ? state_.objectExists(*k) : k->isPromise() ? state_.promiseExists(*k) : true);
        })) {
      r.terminate->info = kernelError("vat exited with failure, giving a reason that held objects or promises made in its rolled-back delivery");
    }
  } else if (!r.didDelivery.empty()) {
    VatSyscalls syscalls(*this, r.didDelivery);
    warehouse_.maybeSaveSnapshot(r.didDelivery, syscalls);
  }
  if (!r.meterID.empty() && r.computrons > 0 && state_.deductMeter(r.meterID, r.computrons)) {
    std::optional<std::string> vatAdmin = state_.kv().get("vatAdminRootKref");
    SS_INSIST(vatAdmin, "vatAdminRootKref is not set");
    MeterReading m = state_.getMeter(r.meterID);
    queueToKref(*vatAdmin, "meterCrossedThreshold",
                CapData{fmt::format("#[{},\"+{}\"]", quoteJson(r.meterID), m.remaining.value_or("0")), {}}, "logFailure");
  }
  if (r.measureDirt && state_.vatIsAlive(r.didDelivery)) {
    VatState vat(state_, r.didDelivery);
    Json threshold = parseJson(state_.kv().get("kernel.defaultReapDirtThreshold").value_or("{}")).value_or(Json::object());
    Json own = vat.options().value("reapDirtThreshold", Json::object());
    for (auto& [k, v] : own.items()) threshold[k] = v;
    if (vat.addDirt(1, r.gcKrefs, r.computrons, threshold)) state_.scheduleReap(r.didDelivery);
  }
  if (r.terminate) terminateVat(r.terminate->vatID, r.terminate->reject, r.terminate->info);
  if (r.vatAdminMethargs) {
    std::optional<std::string> vatAdmin = state_.kv().get("vatAdminRootKref");
    SS_INSIST(vatAdmin, "vatAdminRootKref is not set");
    queueToKref(*vatAdmin, r.vatAdminMethargs->first, r.vatAdminMethargs->second, "logFailure");
  }
  endCrank();
  return CrankSummary{true, !r.didDelivery.empty(), r.computrons};
}

// --- routing (routeSendEvent in kernel.js)

std::optional<Kernel::Route> Kernel::routeSendEvent(const std::string& target, const Message& msg) {
  std::optional<KernelSlot> t = KernelSlot::parse(target);
  SS_INSIST(t && !t->isDevice(), "cannot send() to {}", target);
  auto splat = [&](const CapData& error) -> std::optional<Route> {
    if (msg.result) resolveToError(*msg.result, error);
    return std::nullopt;
  };
  auto sendTo = [&](KernelSlot ko) -> std::optional<Route> {
    std::optional<std::string> owner = state_.objectOwner(ko);
    if (!owner || !state_.vatIsAlive(*owner)) return splat(kernelError("vat terminated"));
    return Route{*owner, ko.str()};
  };
  if (t->isObject()) return sendTo(*t);
  KernelPromise kp = state_.getPromise(*t);
  switch (kp.state) {
    case PromiseState::kFulfilled: {
      // A promise fulfilled to exactly one object forwards to it (extractSingleSlot).
      if (std::optional<std::string> slot = singleSlot(kp.data); slot && slot->starts_with("ko")) {
        return sendTo(*KernelSlot::parse(*slot));
      }
      return splat(kernelError(fmt::format("data is not callable, has no method {}", legibleMethod(msg.methargs))));
    }
    case PromiseState::kRejected: return splat(kp.data);
    case PromiseState::kUnresolved:
      if (kp.decider.empty()) return Route{"", target};
      if (!state_.vatIsAlive(kp.decider)) return splat(kernelError("vat terminated"));
      if (VatState(state_, kp.decider).options().value("enablePipelining", false)) return Route{kp.decider, target};
      return Route{"", target};
  }
  return std::nullopt;
}

void Kernel::decrementSendEventRefCount(const std::string& target, const Message& msg) {
  state_.decrementRefCount(target);
  if (msg.result) state_.decrementRefCount(*msg.result);
  state_.decrementSlots(msg.methargs.slots);
}

// --- the kernel queue (kernelQueue.js)

void Kernel::doSend(const std::string& target, const Message& msg) {
  state_.incrementRefCount(target);
  if (msg.result) state_.incrementRefCount(*msg.result);
  state_.incrementSlots(msg.methargs.slots);
  Json item = Json::object();
  item["type"] = "send";
  item["target"] = target;
  item["msg"] = msg.toJson();
  state_.addToAcceptanceQueue(item);
}

void Kernel::notify(const std::string& vatID, const std::string& kpid) {
  Json item = Json::object();
  item["type"] = "notify";
  item["vatID"] = vatID;
  item["kpid"] = kpid;
  state_.incrementRefCount(kpid);
  state_.addToAcceptanceQueue(item);
}

void Kernel::doResolve(const std::string& vatID, const std::string& kpid, bool rejected, const CapData& data) {
  KernelSlot kp = *KernelSlot::parse(kpid);
  KernelPromise p = state_.getPromise(kp);
  SS_INSIST(p.state == PromiseState::kUnresolved && p.decider == vatID, "{} cannot be resolved by '{}'", kpid, vatID);
  for (const std::string& subscriber : p.subscribers) notify(subscriber, kpid);
  for (const Message& m : state_.resolvePromise(kp, rejected, data)) {
    Json item = Json::object();
    item["type"] = "send";
    item["target"] = kpid;
    item["msg"] = m.toJson();
    state_.addToAcceptanceQueue(item);
  }
  if (rejected && p.policy == "panic") panic(fmt::format("{}.policy panic: rejected {}", kpid, data.str()));
}

void Kernel::resolveToError(const std::string& kpid, const CapData& error, const std::string& expectedDecider) {
  doResolve(expectedDecider, kpid, true, error);
}

std::optional<std::string> Kernel::queueToKref(const std::string& target, const std::string& method,
                                               const CapData& args, const std::string& resultPolicy, bool noResult) {
  SS_INSIST(args.body.starts_with("#["), "queueToKref args must be a smallcaps array, got {}", args.body);
  // methargs = [method, args]: splice the args array in, so its slot indices stay valid.
  CapData methargs{fmt::format("#[{},{}]", quoteJson(method), args.body.substr(1)), args.slots};
  std::optional<std::string> kpid;
  if (!noResult) kpid = state_.addKernelPromise(resultPolicy).str();
  doSend(target, Message{methargs, kpid});
  return kpid;
}

std::string Kernel::upgradeVatByEvent(const std::string& vatID, const std::string& bundleID,
                                      const CapData& vatParameters, const std::string& upgradeMessage) {
  state_.incrementSlots(vatParameters.slots);  // held by the event until its startVat
  std::string upgradeID = fmt::format("up{}", state_.allocateUpgradeID());
  Json event = Json::object();
  event["type"] = "upgrade-vat";
  event["vatID"] = vatID;
  event["upgradeID"] = upgradeID;
  event["bundleID"] = bundleID;
  event["vatParameters"] = vatParameters.toJson();
  event["upgradeMessage"] = upgradeMessage;
  state_.addToAcceptanceQueue(event);
  return upgradeID;
}

std::string Kernel::createVatByEvent(const Json& source, const CapData& vatParameters, const Json& dynamicOptions) {
  state_.incrementSlots(vatParameters.slots);
  std::string vatID = state_.allocateVatID();
  Json event = Json::object();
  event["type"] = "create-vat";
  event["vatID"] = vatID;
  event["source"] = source;
  event["vatParameters"] = vatParameters.toJson();
  event["dynamicOptions"] = dynamicOptions;
  state_.addToAcceptanceQueue(event);
  return vatID;
}

// --- devices

DeviceResult Kernel::invokeDevice(const std::string& deviceID, const std::string& kd, const std::string& method,
                                  const CapData& args) {
  auto it = devices_.find(deviceID);
  SS_INSIST(it != devices_.end(), "no device {} is installed", deviceID);
  DeviceState dev(state_, deviceID);
  CapData devArgs = args;
  for (std::string& s : devArgs.slots) s = dev.mapKernelSlotToDeviceSlot(s);
  DeviceResult r = it->second->invoke(dev.mapKernelSlotToDeviceSlot(kd), method, devArgs);
  if (r.ok) {
    for (std::string& s : r.value.slots) s = dev.mapDeviceSlotToKernelSlot(s);
  }
  return r;
}

}  // namespace swingset
