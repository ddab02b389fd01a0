#include "devices/vat_admin_device.h"

#include <regex>

#include <fmt/format.h>

#include "base/json.h"
#include "kernel/plain_json.h"
#include "kernel/smallcaps.h"
#include "kernel/state/device_state.h"
#include "store/bundle_store.h"

namespace swingset {
namespace {

DeviceResult value(const std::string& body, std::vector<std::string> slots = {}) {
  return DeviceResult{true, CapData{"#" + body, std::move(slots)}, ""};
}
DeviceResult error(const std::string& text) { return DeviceResult{false, {}, text}; }

// Argument `i` of a smallcaps array, if it is a string.
std::optional<std::string> smallcapsStringAt(const Json& a, size_t i) {
  if (i >= a.size() || !a[i].is_string()) return std::nullopt;
  std::string s = a[i].get<std::string>();
  if (s.starts_with("+") || s.starts_with("-")) return std::nullopt;  // a bigint, not a string
  if (s.starts_with("!")) s.erase(0, 1);                               // the escape of special strings
  return s;
}

// Argument `i`, if it is a non-negative bigint ("+123", canonical), as its digits. Any size, as
// SwingSet's meters, up to a bound no meter needs.
std::optional<std::string> smallcapsNatAt(const Json& a, size_t i) {
  constexpr size_t kMaxDigits = 1000;
  if (i >= a.size() || !a[i].is_string()) return std::nullopt;
  const std::string& s = a[i].get_ref<const std::string&>();
  if (s.size() < 2 || s.size() > kMaxDigits + 1 || s[0] != '+' || s.find_first_not_of("0123456789", 1) != std::string::npos ||
      (s.size() > 2 && s[1] == '0')) {
    return std::nullopt;
  }
  return s.substr(1);
}

}  // namespace

VatAdminDevice::VatAdminDevice(KernelStorage& storage, Kernel& kernel, std::string deviceID)
    : storage_(storage), kernel_(kernel), deviceID_(std::move(deviceID)) {}

DeviceResult VatAdminDevice::getBundleCap(const std::string& bundleID) {
  static const std::regex kBundleID("^b1-[0-9a-f]{128}$");
  if (!std::regex_match(bundleID, kBundleID)) return error(fmt::format("getBundleCap() not a bundleID: {}", bundleID));
  if (!storage_.bundles().hasBundle(bundleID)) return value("\"#undefined\"");
  DeviceState dev(kernel_.state(), deviceID_);
  std::optional<std::string> node = dev.vatstoreGet("id." + bundleID);
  if (!node) {
    uint64_t n = std::stoull(dev.vatstoreGet("nextDev").value_or("1"));
    dev.vatstoreSet("nextDev", std::to_string(n + 1));
    node = fmt::format("d+{}", n);
    dev.vatstoreSet("id." + bundleID, *node);
    dev.vatstoreSet("slot." + *node, bundleID);
  }
  return value("\"$0.Alleged: device node\"", {*node});
}

DeviceResult VatAdminDevice::invoke(const std::string& target, const std::string& method, const CapData& args) {
  std::optional<Json> a = args.body.starts_with("#") ? parseJson(std::string_view(args.body).substr(1)) : std::nullopt;
  if (!a || !a->is_array()) return error(fmt::format("vatAdmin device: malformed arguments to {}", method));
  auto stringArg = [&](size_t i) { return smallcapsStringAt(*a, i); };
  // The hooks take kernel capdata: device refs back to krefs.
  auto kernelArgs = [&] {
    CapData kargs = args;
    DeviceState dev(kernel_.state(), deviceID_);
    for (std::string& s : kargs.slots) s = dev.mapDeviceSlotToKernelSlot(s);
    return kargs;
  };
  if (target != "d+0") {
    // A bundlecap node.
    std::optional<std::string> bundleID = DeviceState(kernel_.state(), deviceID_).vatstoreGet("slot." + target);
    if (!bundleID) return error(fmt::format("vatAdmin device: unknown device node {}", target));
    if (method == "getBundleID") return value(quoteJson(*bundleID));
    if (method == "getBundle") {
      std::optional<std::string> bundle = storage_.bundles().getBundle(*bundleID);
      std::optional<Json> j = bundle ? parseJson(*bundle) : std::nullopt;
      EncodedPlain e = j ? encodePlain(*j) : EncodedPlain{};
      std::optional<CapData> c = e.capdata ? CapData::fromJson(*parseJson(*e.capdata)) : std::nullopt;
      if (!c) return error(fmt::format("bundlecap.getBundle(): bundle {} is missing or unreadable", *bundleID));
      return DeviceResult{true, *c, ""};
    }
    return error(fmt::format("bundlecap.{} is not supported", method));
  }
  if (method == "getBundleCap") {
    std::optional<std::string> id = stringArg(0);
    return id ? getBundleCap(*id) : error("getBundleCap() bundleID must be a string");
  }
  if (method == "getNamedBundleCap" || method == "getBundleIDByName") {
    std::optional<std::string> name = stringArg(0);
    if (!name) return error(fmt::format("{}() name must be a string", method));
    std::optional<std::string> id = kernel_.state().kv().get("namedBundleID." + *name);
    if (!id) return error(fmt::format("{}: no bundle named '{}'", method, *name));
    return method == "getBundleIDByName" ? value(quoteJson(*id)) : getBundleCap(*id);
  }
  if (method == "createByBundle" || method == "createByBundleID") {
    CapData kargs = kernelArgs();
    if (a->size() != 2 || !(*a)[1].is_object()) return error(fmt::format("{}() takes (bundle, options)", method));
    Json source = Json::object();
    if (method == "createByBundleID") {
      std::optional<std::string> id = stringArg(0);
      if (!id || !storage_.bundles().hasBundle(*id)) return error(fmt::format("createByBundleID(): bundle {} is not installed", id.value_or("?")));
      source["bundleID"] = *id;
    } else {
      source["bundle"] = (*a)[0];
    }
    return createVat(source, (*a)[1], kargs);
  }
  if (method == "terminateWithFailure") {
    std::optional<std::string> vatID = stringArg(0);
    if (!vatID || a->size() != 2) return error("terminateWithFailure() takes (vatID, reason)");
    kernel_.terminateVat(*vatID, true, subCapData((*a)[1], kernelArgs()));
    return value("\"#undefined\"");
  }
  if (method == "changeOptions") {
    std::optional<std::string> vatID = stringArg(0);
    if (!vatID || a->size() != 2 || !(*a)[1].is_object() || !args.slots.empty()) {
      return error("changeOptions() takes (vatID, options) with plain data");
    }
    Json event = Json::object();
    event["type"] = "changeVatOptions";
    event["vatID"] = *vatID;
    event["options"] = (*a)[1];
    kernel_.state().addToAcceptanceQueue(event);
    return value("\"#undefined\"");
  }
  if (method == "upgradeVat") {
    std::optional<std::string> vatID = stringArg(0), bundleID = stringArg(1), message = stringArg(3);
    if (!vatID || !bundleID || !message || a->size() != 4) {
      return error("upgradeVat() takes (vatID, bundleID, vatParameters, upgradeMessage)");
    }
    if (!storage_.bundles().hasBundle(*bundleID)) return error(fmt::format("upgradeVat(): bundle {} is not installed", *bundleID));
    std::string upgradeID = kernel_.upgradeVatByEvent(*vatID, *bundleID, subCapData((*a)[2], kernelArgs()), *message);
    return value(quoteJson(upgradeID));
  }
  return meterMethod(method, *a);
}

// Meters: the kernel keeps them (mN.remaining, mN.threshold); the vat-admin vat wraps each in a
// meter object and gives the meterID to the vats it creates.
DeviceResult VatAdminDevice::meterMethod(const std::string& method, const Json& a) {
  KernelState& k = kernel_.state();
  auto natArg = [&](size_t i) { return smallcapsNatAt(a, i); };
  if (method == "createMeter") {
    std::optional<std::string> remaining = natArg(0), threshold = natArg(1);
    if (!remaining || !threshold) return error("createMeter() takes (remaining, threshold) as non-negative bigints");
    return value(quoteJson(k.allocateMeter(*remaining, *threshold)));
  }
  if (method == "createUnlimitedMeter") return value(quoteJson(k.allocateMeter(std::nullopt, "0")));
  std::optional<std::string> meterID = smallcapsStringAt(a, 0);
  if (method == "addMeterRemaining" || method == "setMeterThreshold" || method == "getMeter") {
    if (!meterID || !k.meterExists(*meterID)) return error(fmt::format("{}(): unknown meter {}", method, meterID.value_or("?")));
  }
  if (method == "getMeter") {
    MeterReading m = k.getMeter(*meterID);
    std::string remaining = m.remaining ? fmt::format("\"+{}\"", *m.remaining) : "\"unlimited\"";
    return value(fmt::format("{{\"remaining\":{},\"threshold\":\"+{}\"}}", remaining, m.threshold));
  }
  if (method == "addMeterRemaining" || method == "setMeterThreshold") {
    std::optional<std::string> n = natArg(1);
    if (!n) return error(fmt::format("{}() takes (meterID, non-negative bigint)", method));
    if (method == "addMeterRemaining") {
      k.addMeterRemaining(*meterID, *n);
    } else {
      k.setMeterThreshold(*meterID, *n);
    }
    return value("\"#undefined\"");
  }
  return error(fmt::format("vatAdmin device: no method {}", method));
}

DeviceResult VatAdminDevice::createVat(const Json& source, const Json& options, const CapData& args) {
  // As vat-admin-hooks.js: options = {vatParameters, ...dynamicOptions}; the vatParameters keep
  // their own slots, held by the create-vat event until startVat.
  Json dynamicOptions = Json::object();
  CapData vatParameters{"#{}", {}};
  for (auto it = options.begin(); it != options.end(); ++it) {
    if (it.key() == "vatParameters") {
      vatParameters = subCapData(it.value(), args);
    } else {
      dynamicOptions[it.key()] = it.value();
    }
  }
  std::string vatID = kernel_.createVatByEvent(source, vatParameters, dynamicOptions);
  return value(quoteJson(vatID));
}

}  // namespace swingset
