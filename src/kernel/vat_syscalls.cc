#include "kernel/vat_syscalls.h"

#include <unordered_set>

#include "base/panic.h"
#include "kernel/kernel.h"
#include "kernel/smallcaps.h"

namespace swingset {
namespace {

constexpr const char* kOk = R"(["ok",null])";

std::string okWith(const Json& value) { return toJson(Json::array({"ok", value})); }

}  // namespace

VatSyscalls::VatSyscalls(Kernel& kernel, const std::string& vatID)
    : kernel_(kernel), state_(kernel.state()), vat_(kernel.state(), vatID) {}

std::string VatSyscalls::fault(std::string why) {
  if (illegal_.empty()) illegal_ = fmt::format("vat {}: illegal syscall: {}", vat_.vatID(), why);
  return R"(["error","syscall translation error: prepare to die"])";
}

std::optional<VatSlot> VatSyscalls::vatSlot(const Json& vref) {
  if (!vref.is_string()) return std::nullopt;
  return VatSlot::parse(vref.get<std::string>());
}

std::optional<std::string> VatSyscalls::kref(const Json& vref, bool setReachable) {
  std::optional<VatSlot> v = vatSlot(vref);
  if (!v) {
    fault(fmt::format("'{}' is not a vref", toJson(vref)));
    return std::nullopt;
  }
  if (v->isDevice() && v->allocatedByVat) {
    fault(fmt::format("vats cannot export device nodes ({})", v->str()));
    return std::nullopt;
  }
  std::optional<std::string> k = vat_.mapVatSlotToKernelSlot(*v, setReachable);
  if (!k) {
    fault(vat_.krefForVref(v->str()) ? fmt::format("vat tried to access unreachable import {}", v->str())
                                     : fmt::format("unknown vref {}", v->str()));
  }
  return k;
}

std::optional<CapData> VatSyscalls::capdataToKernel(const Json& j) {
  std::optional<CapData> c = CapData::fromJson(j);
  if (!c) {
    fault(fmt::format("malformed capdata {}", toJson(j).substr(0, 200)));
    return std::nullopt;
  }
  for (std::string& slot : c->slots) {
    std::optional<std::string> k = kref(slot);
    if (!k) return std::nullopt;
    slot = *k;
  }
  return c;
}

std::string VatSyscalls::syscall(std::string_view text) {
  std::optional<Json> s = parseJson(text);
  if (!s || !s->is_array() || s->empty() || !(*s)[0].is_string()) return fault("not a VatSyscallObject");
  if (!illegal_.empty()) return fault("");  // after one illegal syscall, refuse the rest
  std::string kind = (*s)[0].get<std::string>();
  if (kind == "send") return send(*s);
  if (kind == "callNow") return callNow(*s);
  if (kind == "subscribe") return subscribe(*s);
  if (kind == "resolve") return resolve(*s);
  if (kind == "exit") return exit(*s);
  if (kind.starts_with("vatstore")) return vatstore(kind, *s);
  if (kind == "dropImports" || kind == "retireImports" || kind == "retireExports" || kind == "abandonExports") {
    return gc(kind, *s);
  }
  return fault(fmt::format("unknown syscall '{}'", kind));
}

std::string VatSyscalls::send(const Json& s) {
  if (s.size() != 3 || !s[2].is_object()) return fault("malformed send");
  std::optional<VatSlot> target = vatSlot(s[1]);
  if (target && target->isDevice()) return fault(fmt::format("send to device node {}", target->str()));
  std::optional<std::string> ktarget = kref(s[1]);
  if (!ktarget) return illegal_.empty() ? fault("bad send target") : fault("");
  const Json& msg = s[2];
  std::optional<CapData> methargs = capdataToKernel(msg.value("methargs", Json()));
  if (!methargs) return fault("");
  Message m{*methargs, std::nullopt};
  if (msg.contains("result") && !msg["result"].is_null()) {
    std::optional<VatSlot> vpid = vatSlot(msg["result"]);
    if (!vpid || !vpid->isPromise()) return fault(fmt::format("send result {} is not a promise", toJson(msg["result"])));
    bool pipelining = vat_.options().value("enablePipelining", false);
    if (!pipelining && vat_.krefForVref(vpid->str())) {
      return fault(fmt::format("send result {} is not a new promise", vpid->str()));
    }
    std::optional<std::string> kpid = kref(msg["result"]);
    if (!kpid) return fault("");
    KernelSlot kp = *KernelSlot::parse(*kpid);
    if (state_.promiseState(kp) != PromiseState::kUnresolved || state_.promiseDecider(kp) != vat_.vatID()) {
      return fault(fmt::format("send result {} ({}) is settled or decided by another vat", vpid->str(), *kpid));
    }
    state_.setDecider(kp, "");  // the queued message now carries the authority to resolve
    m.result = *kpid;
  }
  kernel_.doSend(*ktarget, m);
  return kOk;
}

std::string VatSyscalls::callNow(const Json& s) {
  if (s.size() != 4 || !s[2].is_string()) return fault("malformed callNow");
  std::optional<VatSlot> target = vatSlot(s[1]);
  if (!target || !target->isDevice()) return fault(fmt::format("callNow target {} is not a device node", toJson(s[1])));
  std::optional<std::string> kd = kref(s[1]);
  if (!kd) return fault("");
  std::optional<CapData> args = capdataToKernel(s[3]);
  if (!args) return fault("");
  for (const std::string& slot : args->slots) {
    if (slot.starts_with("kp")) return fault("callNow arguments may not contain promises");
  }
  std::optional<std::string> deviceID = state_.deviceNodeOwner(*KernelSlot::parse(*kd));
  SS_INSIST(deviceID, "device node {} has no owner", *kd);
  DeviceResult r = kernel_.invokeDevice(*deviceID, *kd, s[2].get<std::string>(), *args);
  if (!r.ok) {
    // SwingSet's answer, word for word; the details go to the log, as there.
    fmt::print(stderr, "device {} {}({}) failed: {}\n", *deviceID, s[2].get<std::string>(), args->body, r.error);
    return R"(["error","device.invoke failed, see logs for details"])";
  }
  for (std::string& slot : r.value.slots) slot = vat_.mapKernelSlotToVatSlot(slot).str();
  return okWith(r.value.toJson());
}

std::string VatSyscalls::subscribe(const Json& s) {
  if (s.size() != 2) return fault("malformed subscribe");
  std::optional<VatSlot> vpid = vatSlot(s[1]);
  if (!vpid || !vpid->isPromise()) return fault(fmt::format("subscribe to non-promise {}", toJson(s[1])));
  std::optional<std::string> kpid = kref(s[1]);
  if (!kpid) return fault("");
  KernelSlot kp = *KernelSlot::parse(*kpid);
  if (state_.promiseState(kp) == PromiseState::kUnresolved) {
    state_.addSubscriber(kp, vat_.vatID());
  } else {
    kernel_.notify(vat_.vatID(), *kpid);
  }
  return kOk;
}

std::string VatSyscalls::resolve(const Json& s) {
  if (s.size() != 2 || !s[1].is_array()) return fault("malformed resolve");
  struct Resolution {
    std::string kpid;
    bool rejected;
    CapData data;
  };
  std::vector<Resolution> resolutions;
  std::unordered_set<std::string> listed;
  for (const Json& r : s[1]) {
    if (!r.is_array() || r.size() != 3 || !r[1].is_boolean()) return fault("malformed resolution");
    std::optional<VatSlot> vpid = vatSlot(r[0]);
    if (!vpid || !vpid->isPromise()) return fault(fmt::format("resolve of non-promise {}", toJson(r[0])));
    std::optional<std::string> kpid = kref(r[0]);
    if (!kpid) return fault("");
    KernelSlot kp = *KernelSlot::parse(*kpid);
    // JS 0.33 panics the kernel here, and on a promise listed twice (its second resolution finds
    // it settled); a vat's mistake should cost only the vat.
    if (!listed.insert(*kpid).second) return fault(fmt::format("resolve lists {} twice", vpid->str()));
    if (state_.promiseState(kp) != PromiseState::kUnresolved) {
      return fault(fmt::format("resolve of {} ({}), which is already settled", vpid->str(), *kpid));
    }
    if (state_.promiseDecider(kp) != vat_.vatID()) {
      return fault(fmt::format("resolve of {} ({}), which this vat does not decide", vpid->str(), *kpid));
    }
    std::optional<CapData> data = capdataToKernel(r[2]);
    if (!data) return fault("");
    if (!r[1].get<bool>()) {  // as translateResolve's extractSingleSlot, which kunser's the data
      bool malformed = false;
      std::optional<std::string> one = singleSlot(*data, &malformed);
      if (malformed) return fault(fmt::format("resolve of {}: its data cannot be unserialized: {}", vpid->str(), data->body.substr(0, 200)));
      if (one && one->starts_with("kp")) return fault(fmt::format("cannot resolve {} to a promise", vpid->str()));
    }
    resolutions.push_back({*kpid, r[1].get<bool>(), std::move(*data)});
  }
  for (const Resolution& r : resolutions) {
    if (std::optional<std::string> vref = vat_.vrefForKref(r.kpid)) vat_.deleteCListEntry(r.kpid, *vref);
  }
  for (const Resolution& r : resolutions) kernel_.doResolve(vat_.vatID(), r.kpid, r.rejected, r.data);
  return kOk;
}

std::string VatSyscalls::exit(const Json& s) {
  if (s.size() != 3 || !s[1].is_boolean()) return fault("malformed exit");
  std::optional<CapData> info = capdataToKernel(s[2]);
  if (!info) return fault("");
  // The kernel unserializes the reason for vat-admin's vatTerminated (kser(kunser(info))). We
  // read smallcaps only; SwingSet would panic the kernel on a body it cannot read.
  if (!smallcapsValue(*info)) return fault(fmt::format("exit reason is not a smallcaps body: {}", info->body.substr(0, 200)));
  exit_ = ExitRequest{s[1].get<bool>(), std::move(*info)};
  return kOk;
}

std::string VatSyscalls::vatstore(const std::string& kind, const Json& s) {
  if (s.size() < 2 || !s[1].is_string()) return fault(fmt::format("malformed {}", kind));
  std::string key = s[1].get<std::string>();
  if (kind == "vatstoreGet" && s.size() == 2) {
    std::optional<std::string> v = vat_.vatstoreGet(key);
    // SwingSet answers `value || null`: a stored "" reads back as null.
    return v && !v->empty() ? okWith(*v) : kOk;
  }
  if (kind == "vatstoreGetNextKey" && s.size() == 2) {
    std::optional<std::string> next = vat_.vatstoreGetNextKey(key);
    return next ? okWith(*next) : kOk;
  }
  if (kind == "vatstoreSet" && s.size() == 3) {
    if (!s[2].is_string()) return fault("vatstoreSet value is not a string");
    vat_.vatstoreSet(key, s[2].get<std::string>());
    return kOk;
  }
  if (kind == "vatstoreDelete" && s.size() == 2) {
    vat_.vatstoreDelete(key);
    return kOk;
  }
  return fault(fmt::format("malformed {}", kind));
}

std::string VatSyscalls::gc(const std::string& kind, const Json& s) {
  if (s.size() != 2 || !s[1].is_array()) return fault(fmt::format("malformed {}", kind));
  bool wantExport = kind == "retireExports" || kind == "abandonExports";
  std::vector<std::pair<std::string, std::string>> entries;  // (kref, vref), checked first
  std::unordered_set<std::string> listed;
  for (const Json& j : s[1]) {
    std::optional<VatSlot> v = vatSlot(j);
    if (!v || !v->isObject() || v->allocatedByVat != wantExport) {
      return fault(fmt::format("{} of {}", kind, toJson(j)));
    }
    std::optional<std::string> k = vat_.krefForVref(v->str());
    if (!k) return fault(fmt::format("{} of unknown {}", kind, v->str()));
    bool reachable = vat_.reachableFlag(*k);
    if ((kind == "retireImports" || kind == "retireExports") && reachable) {
      return fault(fmt::format("{} of {}, which is still reachable", kind, v->str()));
    }
    // Checked against the c-list as it is before any entry is applied: a vref listed twice would
    // be deleted twice. JS rejects a second retire (its entry is gone) and panics on a second
    // abandon; both cost only the vat here. A second drop is harmless, as in JS.
    if (kind != "dropImports" && !listed.insert(*k).second) return fault(fmt::format("{} lists {} twice", kind, v->str()));
    entries.emplace_back(*k, v->str());
  }
  for (const auto& [k, v] : entries) {
    KernelSlot ko = *KernelSlot::parse(k);
    if (kind == "dropImports") {
      vat_.clearReachableFlag(k);
    } else if (kind == "retireImports") {
      vat_.deleteCListEntry(k, v);
    } else if (kind == "retireExports") {
      vat_.deleteCListEntry(k, v);
      kernel_.retireKernelObject(ko);
    } else {  // abandonExports
      vat_.deleteCListEntry(k, v);
      state_.orphanObject(ko);
      state_.maybeFree().insert(k);
    }
  }
  return kOk;
}

}  // namespace swingset
