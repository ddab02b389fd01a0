// Kernel: delivery cranks, from a run-queue event to a vat delivery and back (the
// process* functions of kernel.js and the kernel->vat half of vatTranslator.js).
#include <algorithm>

#include "base/panic.h"
#include "kernel/crank_results.h"
#include "kernel/plain_json.h"
#include "kernel/smallcaps.h"
#include "kernel/state/vat_state.h"
#include "kernel/vat_syscalls.h"
#include "store/bundle_store.h"
#include "store/transcript_store.h"

namespace swingset {
namespace {

Json vatCapData(VatState& vat, const CapData& kernel, bool setReachable = true) {
  CapData c = kernel;
  for (std::string& s : c.slots) s = vat.mapKernelSlotToVatSlot(s, setReachable).str();
  return c.toJson();
}

std::vector<std::string> stringArray(const Json& j) {
  std::vector<std::string> out;
  for (const Json& e : j) out.push_back(e.get<std::string>());
  return out;
}

}  // namespace

Kernel::CrankResults Kernel::deliverRunQueueEvent(const Json& item) {
  std::string type = item.value("type", "");
  if (type == "send") {
    std::string target = item["target"];
    std::optional<Message> msg = Message::fromJson(item["msg"]);
    SS_INSIST(msg, "malformed send in the run queue: {}", toJson(item));
    std::optional<Route> route = routeSendEvent(target, *msg);
    if (!route) {
      decrementSendEventRefCount(target, *msg);
      return {};
    }
    if (route->target != target) {
      state_.decrementRefCount(target);
      state_.incrementRefCount(route->target);
    }
    if (route->vatID.empty()) {
      state_.enqueueToPromise(*KernelSlot::parse(route->target), *msg);
      return {};
    }
    CrankResults r = processSend(route->vatID, route->target, *msg);
    decrementSendEventRefCount(route->target, *msg);  // the vat's c-list holds them now
    return r;
  }
  if (type == "notify") {
    std::string kpid = item["kpid"];
    state_.decrementRefCount(kpid);
    return processNotify(item["vatID"], kpid);
  }
  if (type == "startVat") {
    std::optional<CapData> vp = CapData::fromJson(item["vatParameters"]);
    SS_INSIST(vp, "malformed startVat event: {}", toJson(item));
    return processStartVat(item["vatID"], *vp);
  }
  if (type == "bringOutYourDead") return processBringOutYourDead(item["vatID"]);
  if (type == "create-vat") return processCreateVat(item);
  if (type == "upgrade-vat") return processUpgradeVat(item);
  if (type == "changeVatOptions") return processChangeVatOptions(item["vatID"], item["options"]);
  if (type == "dropExports" || type == "retireExports" || type == "retireImports") {
    return processGCMessage(type, item["vatID"], stringArray(item["krefs"]));
  }
  if (type == "negated-gc-action") return {};
  panic(fmt::format("unable to process a run-queue event of type '{}'", type));
}

Json Kernel::workerOptions() const {
  return Json::object({{"type", "xsnap"}, {"bundleIDs", packages_.bundleIDs()}});
}

// The bundles workerOptions() names, in the bundle store once a vat records them, so that it can
// be started from them after our packages change (VatWarehouse::recordedWorkerBundles).
void Kernel::storeWorkerBundles() {
  for (const WorkerBundle* b : {&packages_.lockdown, &packages_.supervisor}) {
    if (!storage_.bundles().hasBundle(b->bundleID)) storage_.bundles().addBundle(b->bundleID, b->text);
  }
}

std::string Kernel::meterIDOf(const std::string& vatID) {
  Json options = VatState(state_, vatID).options();
  auto it = options.find("meterID");
  return it != options.end() && it->is_string() ? it->get<std::string>() : "";
}

Kernel::CrankResults Kernel::deliverAndLog(const std::string& vatID, const Json& vdo, bool measureDirt, uint64_t gcKrefs,
                                           const std::string& meterID) {
  VatSyscalls syscalls(*this, vatID);
  DeliveryResult d = warehouse_.deliver(vatID, toJson(vdo), syscalls);
  if (d.workerFailed()) panic(d.problem);
  CrankResults r;
  r.didDelivery = vatID;
  r.computrons = d.meter.compute;
  bool underrun = false;
  if (!meterID.empty() && r.computrons > 0) {
    r.meterID = meterID;
    underrun = !state_.checkMeter(meterID, r.computrons);
  }
  if (!d.ok()) warehouse_.evict(vatID);  // never trust a worker after a failed delivery
  // Priority, as in kernel.js: illegal syscall, delivery error, meter underrun, vat-requested
  // termination.
  if (!syscalls.illegal().empty()) {
    r.abort = true;
    r.terminate = Termination{vatID, true, kernelError("syscall translation error: prepare to die")};
  } else if (!d.ok()) {
    r.abort = true;
    r.terminate = Termination{vatID, true, kernelError(d.problem)};
  } else if (underrun) {
    r.abort = true;
    r.terminate = Termination{vatID, true, kernelError("meter underflow, vat terminated")};
  } else if (const std::optional<ExitRequest>& exit = syscalls.exitRequest()) {
    r.abort = exit->isFailure;  // exitWithFailure rewinds the delivery
    r.terminate = Termination{vatID, exit->isFailure, exit->info};
  }
  if (measureDirt && !r.abort && !r.terminate) {
    r.measureDirt = true;
    r.gcKrefs = gcKrefs;
  }
  return r;
}

Kernel::CrankResults Kernel::processSend(const std::string& vatID, const std::string& target, const Message& msg) {
  VatState vat(state_, vatID);
  VatSlot vtarget = vat.mapKernelSlotToVatSlot(target);
  if (vtarget.isObject()) {
    SS_INSIST(vtarget.allocatedByVat, "message for {} delivered to {}, which does not export it", target, vatID);
  } else {
    SS_INSIST(state_.promiseDecider(*KernelSlot::parse(target)) == vatID, "pipelined {} sent to a non-decider", target);
  }
  Json methargs = vatCapData(vat, msg.methargs);
  Json result = nullptr;
  if (msg.result) {
    KernelSlot kp = *KernelSlot::parse(*msg.result);
    SS_INSIST(state_.promiseState(kp) == PromiseState::kUnresolved && state_.promiseDecider(kp).empty(),
              "result {} is settled or already decided", *msg.result);
    result = vat.mapKernelSlotToVatSlot(*msg.result).str();
    state_.setDecider(kp, vatID);
  }
  Json vmsg = Json::object();
  vmsg["methargs"] = std::move(methargs);
  vmsg["result"] = std::move(result);
  if (msg.result && vat.options().value("enablePipelining", false)) {
    // The vat decides the result now: messages waiting on it can be pipelined to it.
    KernelSlot kp = *KernelSlot::parse(*msg.result);
    for (const Message& m : state_.takePromiseQueue(kp)) {
      Json requeued = Json::object();
      requeued["type"] = "send";
      requeued["target"] = *msg.result;
      requeued["msg"] = m.toJson();
      state_.addToAcceptanceQueue(requeued);
    }
  }
  return deliverAndLog(vatID, Json::array({"message", vtarget.str(), vmsg}), true, 0, meterIDOf(vatID));
}

Kernel::CrankResults Kernel::processNotify(const std::string& vatID, const std::string& kpid) {
  if (!state_.vatIsAlive(vatID)) return {};
  VatState vat(state_, vatID);
  KernelSlot kp = *KernelSlot::parse(kpid);
  KernelPromise p = state_.getPromise(kp);
  SS_INSIST(p.state != PromiseState::kUnresolved, "spurious notification of {}", kpid);
  if (!vat.vrefForKref(kpid)) return {};  // already notified
  // Retire kpid and every settled promise reachable from its data: liveslots resolves them too.
  std::vector<std::string> targets;
  std::set<std::string> seen;
  std::function<void(const std::string&, const CapData&)> scan = [&](const std::string& k, const CapData& data) {
    seen.insert(k);
    targets.push_back(k);
    for (const std::string& slot : data.slots) {
      if (!slot.starts_with("kp") || seen.count(slot)) continue;
      KernelPromise sp = state_.getPromise(*KernelSlot::parse(slot));
      if (sp.state != PromiseState::kUnresolved) scan(slot, sp.data);
    }
  };
  scan(kpid, p.data);
  Json resolutions = Json::array();
  for (const std::string& k : targets) {
    KernelPromise tp = state_.getPromise(*KernelSlot::parse(k));
    std::string vpid = vat.mapKernelSlotToVatSlot(k).str();
    resolutions.push_back(Json::array({vpid, tp.state == PromiseState::kRejected, vatCapData(vat, tp.data)}));
  }
  for (const std::string& k : targets) {
    if (std::optional<std::string> vref = vat.vrefForKref(k)) vat.deleteCListEntry(k, *vref);
  }
  return deliverAndLog(vatID, Json::array({"notify", resolutions}), true, 0, meterIDOf(vatID));
}

// vNN.vatParameters holds its slots; increment before decrement, so a kref kept across an
// upgrade never touches zero.
void Kernel::setVatParameters(const std::string& vatID, const CapData& vatParameters) {
  state_.incrementSlots(vatParameters.slots);
  std::string key = vatID + ".vatParameters";
  if (std::optional<std::string> old = state_.kv().get(key)) {
    std::optional<CapData> oldVP = CapData::fromJson(parseJson(*old).value_or(Json()));
    SS_INSIST(oldVP, "{} is not capdata: {}", key, *old);
    state_.decrementSlots(oldVP->slots);
  }
  state_.kv().set(key, vatParameters.str());
}

Kernel::CrankResults Kernel::processStartVat(const std::string& vatID, const CapData& vatParameters) {
  if (!state_.vatIsAlive(vatID)) return {};
  setVatParameters(vatID, vatParameters);
  VatState vat(state_, vatID);
  Json vp = vatCapData(vat, vatParameters);
  state_.decrementSlots(vatParameters.slots);  // the startVat event's references
  CrankResults r = deliverAndLog(vatID, Json::array({"startVat", vp}), true, 0, meterIDOf(vatID));
  r.consumeMessage = true;
  return r;
}

// The options a create-vat event asks for, as vNN.options holds them; nullopt, with `error`, for
// an unknown option or one of the wrong type.
std::optional<Json> Kernel::dynamicVatOptions(const Json& item, std::string& error) const {
  // The options are smallcaps values: "#undefined" means absent, and strings may carry a '!'.
  Json dyn = Json::object();
  for (auto it = item["dynamicOptions"].begin(); it != item["dynamicOptions"].end(); ++it) {
    if (it.value() == "#undefined") continue;
    std::optional<std::string> str = smallcapsString(it.value());
    dyn[it.key()] = it.value().is_string() && str ? Json(*str) : it.value();
  }
  // The known options and their types. The vat-admin vat checks the types (its CreateVatOptions
  // shape); a vat that holds the device itself need not, and a wrong type must fail the
  // creation, not the kernel that reads the option later.
  struct OptionType {
    const char* key;
    bool (*ok)(const Json&);
    const char* want;
  };
  auto isString = [](const Json& v) { return v.is_string(); };
  auto isBoolean = [](const Json& v) { return v.is_boolean(); };
  auto isCount = [](const Json& v) { return v.is_number_unsigned() || v == "never"; };
  const OptionType kOptions[] = {
      {"name", isString, "a string"},
      {"meterID", [](const Json& v) { return v.is_string() || v.is_null(); }, "a meter"},
      {"managerType", isString, "a string"},
      {"nodeOptions", [](const Json&) { return true; }, ""},
      {"enableSetup", isBoolean, "a boolean"},
      {"enablePipelining", isBoolean, "a boolean"},
      {"useTranscript", isBoolean, "a boolean"},
      {"reapInterval", isCount, "a count or 'never'"},
      {"reapGCKrefs", isCount, "a count or 'never'"},
      {"neverReap", isBoolean, "a boolean"},
      {"critical", isBoolean, "a boolean"},
  };
  for (auto it = dyn.begin(); it != dyn.end(); ++it) {
    auto known = std::find_if(std::begin(kOptions), std::end(kOptions), [&](const OptionType& t) { return it.key() == t.key; });
    if (known == std::end(kOptions)) {
      error = fmt::format("Vat Creation Error: unknown option {}", it.key());
      return std::nullopt;
    }
    if (!known->ok(it.value())) {
      error = fmt::format("Vat Creation Error: option {} must be {}", it.key(), known->want);
      return std::nullopt;
    }
  }
  Json options = Json::object();
  options["workerOptions"] = workerOptions();
  if (dyn.contains("name")) options["name"] = dyn["name"];
  options["enableSetup"] = false;
  options["enablePipelining"] = dyn.value("enablePipelining", false);
  options["enableDisavow"] = false;
  options["useTranscript"] = true;
  Json reap = Json::object();
  if (dyn.contains("reapInterval")) reap["deliveries"] = dyn["reapInterval"];
  if (dyn.contains("reapGCKrefs")) reap["gcKrefs"] = dyn["reapGCKrefs"];
  if (dyn.value("neverReap", false)) reap["never"] = true;
  options["reapDirtThreshold"] = reap;
  options["critical"] = dyn.value("critical", false);
  if (dyn.contains("meterID") && !dyn["meterID"].is_null()) options["meterID"] = dyn["meterID"];
  return options;
}

// A dynamic vat, as processCreateVat and recordDynamic in JS: its source (a bundle ID; a bundle
// given inline is stored in the bundle store) and options go into the DB in this crank, then it
// gets startVat. On success vat-admin hears newVatCallback(vatID, {rootObject}); on failure the
// crank rolls back and vat-admin hears vatTerminated, which rejects the pending createVat.
Kernel::CrankResults Kernel::processCreateVat(const Json& item) {
  std::string vatID = item["vatID"];
  std::optional<CapData> vp = CapData::fromJson(item["vatParameters"]);
  SS_INSIST(vp, "malformed create-vat event: {}", toJson(item));
  auto fail = [&](const std::string& why) {
    CrankResults r;
    r.abort = true;
    r.consumeMessage = true;
    r.terminate = Termination{vatID, true, kernelError(why)};
    return r;
  };
  Json source = item["source"];
  if (source.contains("bundle")) {
    std::string json = toJson(source["bundle"]);
    std::string error;
    std::optional<std::string> id = computeBundleID(json, error);
    if (!id) return fail(fmt::format("invalid bundle: {}", error));  // vat-admin adds "Vat Creation Error"
    storage_.bundles().addBundle(*id, json);
    source = Json::object({{"bundleID", *id}});
  }
  std::string error;
  std::optional<Json> options = dynamicVatOptions(item, error);
  if (!options) return fail(error);
  state_.addDynamicVat(vatID);
  storeWorkerBundles();
  VatState(state_, vatID).initialize(toJson(source), toJson(*options));
  storage_.transcripts().initTranscript(vatID);
  CrankResults r = processStartVat(vatID, *vp);
  if (r.terminate) return r;  // consumeMessage is set: the creation is not retried
  std::string root = *VatState(state_, vatID).mapVatSlotToKernelSlot(*VatSlot::parse("o+0"));
  r.vatAdminMethargs = {"newVatCallback", CapData{fmt::format("#[{},{{\"rootObject\":\"$0.Alleged: undefined\"}}]", quoteJson(vatID)), {root}}};
  return r;
}

// A new incarnation of a vat (processUpgradeVat in kernel.js; reference/kernel.md §6): a last
// bringOutYourDead, the promises it decides are rejected with an UpgradeDisconnection, its
// non-durable exports are orphaned, then a fresh worker runs the new bundle's startVat on the
// same durable state. If either delivery fails, the whole crank rolls back and the old
// incarnation goes on as before; vat-admin hears the outcome through vatUpgradeCallback.
Kernel::CrankResults Kernel::processUpgradeVat(const Json& item) {
  std::string vatID = item["vatID"];
  std::string upgradeID = item["upgradeID"];
  std::optional<CapData> vp = CapData::fromJson(item["vatParameters"]);
  SS_INSIST(vp && item["bundleID"].is_string() && item["upgradeMessage"].is_string(), "malformed upgrade-vat event: {}",
            toJson(item));
  if (!state_.vatIsAlive(vatID)) {
    state_.decrementSlots(vp->slots);  // the event's references
    return {};
  }
  VatState vat(state_, vatID);
  std::string meterID = meterIDOf(vatID);
  uint64_t oldIncarnation = storage_.transcripts().getCurrentSpanBounds(vatID).incarnation;
  auto abortUpgrade = [&](CrankResults r) {
    warehouse_.evict(vatID);  // the next delivery rebuilds the old incarnation from the store
    r.abort = true;
    r.consumeMessage = true;
    r.terminate.reset();
    r.measureDirt = false;  // r.meterID stays: a failed startVat's computrons are charged, as in SwingSet
    r.vatAdminMethargs = {"vatUpgradeCallback",
                          CapData{fmt::format(R"(#[{},false,{{"#error":"vat-upgrade failure","name":"Error"}}])", quoteJson(upgradeID)), {}}};
    return r;
  };

  CrankResults boyd = deliverAndLog(vatID, Json::array({"bringOutYourDead"}), false, 0);
  uint64_t computrons = boyd.computrons;  // reported, not metered
  if (boyd.terminate) return abortUpgrade(boyd);

  Json disconnection = Json::object();
  disconnection["incarnationNumber"] = oldIncarnation;
  disconnection["name"] = "vatUpgraded";
  disconnection["upgradeMessage"] = item["upgradeMessage"];
  std::optional<CapData> reason = CapData::fromJson(parseJson(*encodePlain(disconnection).capdata).value_or(Json()));
  SS_INSIST(reason, "cannot encode the upgrade disconnection");
  for (const std::string& kpid : unresolvedPromisesDecidedBy(vatID)) {
    KernelPromise p = state_.getPromise(*KernelSlot::parse(kpid));
    bool selfSubscribed = std::find(p.subscribers.begin(), p.subscribers.end(), vatID) != p.subscribers.end();
    resolveToError(kpid, *reason, vatID);
    // A self-subscribed vat gets a notify, whose delivery deletes the entry; otherwise nobody will.
    if (!selfSubscribed) {
      if (std::optional<std::string> vref = vat.vrefForKref(kpid)) vat.deleteCListEntry(kpid, *vref);
    }
  }
  // Non-durable exports die with the heap (o+N and virtual o+vN/M; durable o+dN/M survive), but
  // the root object o+0 is remade by the new buildRootObject. Read by prefix, as JS's
  // enumerateNonDurableObjectExports does, so an upgrade never reads the durable exports, which
  // pile up over a vat's whole history.
  for (char first : std::string_view("0123456789v")) {
    for (const auto& [vref, kref] : vat.clistEntries(std::string("o+") + first)) {
      if (vref != "o+0") vat.orphanExport(kref, vref);
    }
  }

  uint64_t newIncarnation = warehouse_.beginNewIncarnation(vatID);
  // As processUpgradeVat's setSourceAndOptions: the new source, and the worker bundles of now.
  Json options = vat.options();
  options["workerOptions"] = workerOptions();
  storeWorkerBundles();
  vat.setSourceAndOptions(Json::object({{"bundleID", item["bundleID"]}}), options);
  setVatParameters(vatID, *vp);
  Json startVP = vatCapData(vat, *vp);
  state_.decrementSlots(vp->slots);  // the event's references: vatParameters hold them now
  CrankResults start = deliverAndLog(vatID, Json::array({"startVat", startVP}), true, 0, meterID);
  start.computrons += computrons;
  if (start.terminate) return abortUpgrade(start);

  // As SwingSet: no didDelivery (so no heap snapshot check until the vat's next delivery) and no
  // dirt for the startVat.
  CrankResults r;
  r.computrons = start.computrons;
  r.meterID = start.meterID;
  r.vatAdminMethargs = {"vatUpgradeCallback", CapData{fmt::format(R"(#[{},true,"#undefined",{}])", quoteJson(upgradeID), newIncarnation), {}}};
  return r;
}

// reapInterval is the kernel's own (the vat's reap threshold); every other option is the vat's.
Kernel::CrankResults Kernel::processChangeVatOptions(const std::string& vatID, const Json& options) {
  if (!state_.vatIsAlive(vatID)) return {};
  VatState vat(state_, vatID);
  Json forVat = Json::object();
  for (auto it = options.begin(); it != options.end(); ++it) {
    if (it.key() != "reapInterval") {
      forVat[it.key()] = it.value();
      continue;
    }
    std::optional<std::string> never = smallcapsString(it.value());
    bool isNat = it.value().is_number_unsigned() || (it.value().is_number_integer() && it.value().get<int64_t>() >= 0);
    if (!isNat && never != "never") continue;  // SwingSet warns and ignores it
    Json o = vat.options();
    o["reapDirtThreshold"]["deliveries"] = isNat ? it.value() : Json("never");
    state_.kv().set(vatID + ".options", toJson(o));
  }
  if (forVat.empty()) return {};
  CrankResults r = deliverAndLog(vatID, Json::array({"changeVatOptions", forVat}), false, 0);
  r.consumeMessage = true;
  return r;
}

Kernel::CrankResults Kernel::processGCMessage(const std::string& type, const std::string& vatID,
                                              const std::vector<std::string>& krefs) {
  if (!state_.vatIsAlive(vatID)) return {};  // can't collect from the dead
  VatState vat(state_, vatID);
  if (type == "retireExports") {
    for (const std::string& k : krefs) state_.deleteKernelObject(*KernelSlot::parse(k));
  }
  Json vrefs = Json::array();
  for (const std::string& k : krefs) {
    std::string vref = vat.mapKernelSlotToVatSlot(k, /*setReachable=*/false).str();
    if (type == "dropExports") {
      vat.clearReachableFlag(k);
    } else {
      vat.deleteCListEntry(k, vref);
    }
    vrefs.push_back(vref);
  }
  return deliverAndLog(vatID, Json::array({type, vrefs}), true, krefs.size());
}

Kernel::CrankResults Kernel::processBringOutYourDead(const std::string& vatID) {
  if (!state_.vatIsAlive(vatID)) return {};
  return deliverAndLog(vatID, Json::array({"bringOutYourDead"}), false, 0);
}

}  // namespace swingset
