#include "devices/vat_admin_device.h"

#include <regex>

#include <fmt/format.h>

#include "base/json.h"
#include "kernel/smallcaps.h"
#include "kernel/state/device_state.h"
#include "store/bundle_store.h"

namespace swingset {
namespace {

DeviceResult value(const std::string& body, std::vector<std::string> slots = {}) {
  return DeviceResult{true, CapData{"#" + body, std::move(slots)}, ""};
}
DeviceResult error(const std::string& text) { return DeviceResult{false, {}, text}; }

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
  auto stringArg = [&](size_t i) -> std::optional<std::string> {
    if (i >= a->size() || !(*a)[i].is_string()) return std::nullopt;
    std::string s = (*a)[i].get<std::string>();
    if (s.starts_with("!")) s.erase(0, 1);  // smallcaps escape
    return s;
  };
  if (target != "d+0") {
    // A bundlecap node.
    std::optional<std::string> bundleID = DeviceState(kernel_.state(), deviceID_).vatstoreGet("slot." + target);
    if (!bundleID) return error(fmt::format("vatAdmin device: unknown device node {}", target));
    if (method == "getBundleID") return value(quoteJson(*bundleID));
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
    // The hooks take kernel capdata: device refs back to krefs.
    CapData kargs = args;
    DeviceState dev(kernel_.state(), deviceID_);
    for (std::string& s : kargs.slots) s = dev.mapDeviceSlotToKernelSlot(s);
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
    CapData kargs = args;
    DeviceState dev(kernel_.state(), deviceID_);
    for (std::string& s : kargs.slots) s = dev.mapDeviceSlotToKernelSlot(s);
    kernel_.terminateVat(*vatID, true, subCapData((*a)[1], kargs));
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
  return error(fmt::format("vatAdmin device: {} is not supported yet", method));
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
