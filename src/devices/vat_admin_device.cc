#include "devices/vat_admin_device.h"

#include <regex>

#include <fmt/format.h>

#include "base/json.h"
#include "kernel/state/device_state.h"
#include "store/bundle_store.h"

namespace swingset {
namespace {

DeviceResult value(const std::string& body, std::vector<std::string> slots = {}) {
  return DeviceResult{true, CapData{"#" + body, std::move(slots)}, ""};
}
DeviceResult error(const std::string& text) { return DeviceResult{false, {}, text}; }

}  // namespace

VatAdminDevice::VatAdminDevice(KernelStorage& storage, KernelState& kernel, std::string deviceID)
    : storage_(storage), kernel_(kernel), deviceID_(std::move(deviceID)) {}

DeviceResult VatAdminDevice::getBundleCap(const std::string& bundleID) {
  static const std::regex kBundleID("^b1-[0-9a-f]{128}$");
  if (!std::regex_match(bundleID, kBundleID)) return error(fmt::format("getBundleCap() not a bundleID: {}", bundleID));
  if (!storage_.bundles().hasBundle(bundleID)) return value("\"#undefined\"");
  DeviceState dev(kernel_, deviceID_);
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
    std::optional<std::string> bundleID = DeviceState(kernel_, deviceID_).vatstoreGet("slot." + target);
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
    std::optional<std::string> id = kernel_.kv().get("namedBundleID." + *name);
    if (!id) return error(fmt::format("{}: no bundle named '{}'", method, *name));
    return method == "getBundleIDByName" ? value(quoteJson(*id)) : getBundleCap(*id);
  }
  return error(fmt::format("vatAdmin device: {} is not supported yet (dynamic vats are not implemented)", method));
}

}  // namespace swingset
