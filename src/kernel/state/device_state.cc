#include "kernel/state/device_state.h"

#include "base/panic.h"

namespace swingset {

DeviceState::DeviceState(KernelState& kernel, std::string deviceID)
    : kernel_(kernel), kv_(kernel.kv()), deviceID_(std::move(deviceID)) {}

void DeviceState::initialize(const std::string& sourceJson, const std::string& optionsJson) {
  kv_.set(key("o.nextID"), "10");
  kv_.set(key("d.nextID"), "20");
  kv_.set(key("p.nextID"), "30");
  kv_.set(key("source"), sourceJson);
  kv_.set(key("options"), optionsJson);
}

std::string DeviceState::mapKernelSlotToDeviceSlot(const std::string& kref) {
  if (std::optional<std::string> devref = kv_.get(key("c." + kref))) return *devref;
  std::optional<KernelSlot> k = KernelSlot::parse(kref);
  SS_INSIST(k, "device {} given '{}', not a kref", deviceID_, kref);
  std::string counter = key(std::string(1, static_cast<char>(k->type)) + ".nextID");
  uint64_t n = std::stoull(kv_.getRequired(counter));
  kv_.set(counter, std::to_string(n + 1));
  std::string devref = fmt::format("{}-{}", static_cast<char>(k->type), n);
  kv_.set(key("c." + kref), devref);
  kv_.set(key("c." + devref), kref);
  // As in SwingSet: a device never drops what it was given (devices do no GC), so its c-list
  // entry holds the object reachable, and a promise, for good.
  kernel_.incrementRefCount(kref);
  return devref;
}

std::string DeviceState::mapDeviceSlotToKernelSlot(const std::string& devref) {
  if (std::optional<std::string> kref = kv_.get(key("c." + devref))) return *kref;
  SS_INSIST(devref.starts_with("d+"), "device {} used unknown ref {}", deviceID_, devref);
  std::string kref = kernel_.addKernelDeviceNode(deviceID_).str();
  kv_.set(key("c." + kref), devref);
  kv_.set(key("c." + devref), kref);
  return kref;
}

std::optional<std::string> DeviceState::vatstoreGet(const std::string& k) { return kv_.get(key("vs." + k)); }
void DeviceState::vatstoreSet(const std::string& k, const std::string& value) { kv_.set(key("vs." + k), value); }

}  // namespace swingset
