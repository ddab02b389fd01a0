#pragma once
// DeviceState: one device's keys (deviceKeeper in JS). A cheap view: construct one per use.
//   dN.c.<kref> = <devref>, dN.c.<devref> = <kref>  (no reachability flag, no refcounts)
//   dN.o.nextID (10), dN.d.nextID (20), dN.p.nextID (30); dN.vs.<key>; dN.deviceState
#include <optional>
#include <string>

#include "kernel/state/kernel_state.h"

namespace swingset {

class DeviceState {
 public:
  DeviceState(KernelState& kernel, std::string deviceID);
  void initialize(const std::string& sourceJson, const std::string& optionsJson);
  std::string mapKernelSlotToDeviceSlot(const std::string& kref);
  // A device's own new node (`d+N`) becomes a kernel device node; unknown imports panic (devices
  // are kernel code).
  std::string mapDeviceSlotToKernelSlot(const std::string& devref);
  std::optional<std::string> vatstoreGet(const std::string& key);
  void vatstoreSet(const std::string& key, const std::string& value);

 private:
  std::string key(const std::string& suffix) const { return deviceID_ + "." + suffix; }
  KernelState& kernel_;  // owned by the Kernel
  KVStore& kv_;
  std::string deviceID_;
};

}  // namespace swingset
