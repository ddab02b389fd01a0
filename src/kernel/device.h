#pragma once
// A device: code in the kernel process that vats reach synchronously through syscall.callNow.
// Devices speak capdata whose slots are device refs (`d+0` its own nodes, `o-10` imports); the
// kernel translates them through the device's c-list (dN.c.*).
#include <string>

#include "kernel/capdata.h"

namespace swingset {

struct DeviceResult {
  bool ok = true;
  CapData value;      // when ok
  std::string error;  // when not ok: text for the vat's `["error", text]`
};

class Device {
 public:
  virtual ~Device() = default;
  // `target` is the device node invoked (`d+N`); args is the capdata of the argument array.
  virtual DeviceResult invoke(const std::string& target, const std::string& method, const CapData& args) = 0;
};

}  // namespace swingset
