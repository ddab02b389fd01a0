#pragma once
// The vatAdmin device (`devices.vatAdmin`), native: the vat-admin vat reaches the kernel through
// it with D(device).method(...). Its root node is `d+0`; bundlecaps are further nodes `d+N`,
// remembered in its vatstore (`nextDev`, `id.<bundleID>`, `slot.d+N`), as in
// device-vat-admin.js. This first version serves bundlecaps and named bundles; creating,
// upgrading and terminating vats and meters come with dynamic vats.
#include <string>

#include "kernel/device.h"
#include "kernel/state/kernel_state.h"
#include "store/kernel_storage.h"

namespace swingset {

class VatAdminDevice final : public Device {
 public:
  VatAdminDevice(KernelStorage& storage, KernelState& kernel, std::string deviceID);
  DeviceResult invoke(const std::string& target, const std::string& method, const CapData& args) override;

 private:
  DeviceResult getBundleCap(const std::string& bundleID);
  KernelStorage& storage_;  // owned by the host's SwingStore
  KernelState& kernel_;     // owned by the Kernel
  std::string deviceID_;
};

}  // namespace swingset
