#pragma once
// The vatAdmin device (`devices.vatAdmin`), native: the vat-admin vat reaches the kernel through
// it with D(device).method(...). Its root node is `d+0`; bundlecaps are further nodes `d+N`,
// remembered in its vatstore (`nextDev`, `id.<bundleID>`, `slot.d+N`), as in
// device-vat-admin.js. It serves bundlecaps and named bundles, and creates and terminates
// dynamic vats through the kernel, queues changeOptions and upgrades (vat-admin-hooks.js), and
// keeps meters.
#include <string>

#include "kernel/device.h"
#include "kernel/kernel.h"
#include "store/kernel_storage.h"

namespace swingset {

class VatAdminDevice final : public Device {
 public:
  VatAdminDevice(KernelStorage& storage, Kernel& kernel, std::string deviceID);
  DeviceResult invoke(const std::string& target, const std::string& method, const CapData& args) override;

 private:
  DeviceResult getBundleCap(const std::string& bundleID);
  DeviceResult createVat(const Json& source, const Json& options, const CapData& args);
  DeviceResult meterMethod(const std::string& method, const Json& args);
  KernelStorage& storage_;  // owned by the host's SwingStore
  Kernel& kernel_;          // owned by the Controller
  std::string deviceID_;
};

}  // namespace swingset
