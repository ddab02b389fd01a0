#pragma once
// VatSyscalls: executes one vat's syscalls during one delivery (kernelSyscall.js and the
// vat->kernel half of vatTranslator.js). A syscall that breaks the rules (unknown vref, resolving
// a promise the vat does not decide, bad capdata) is a vat fault: it is answered
// `["error","syscall translation error: prepare to die"]`, recorded in illegal(), and the kernel
// rolls the crank back and terminates the vat after the delivery.
#include <optional>
#include <string>

#include "kernel/capdata.h"
#include "kernel/state/vat_state.h"
#include "worker/worker.h"

namespace swingset {

class Kernel;

struct ExitRequest {
  bool isFailure = false;
  CapData info;  // krefs
};

class VatSyscalls : public SyscallHandler {
 public:
  VatSyscalls(Kernel& kernel, const std::string& vatID);
  std::string syscall(std::string_view vso) override;

  const std::string& illegal() const { return illegal_; }  // "" if every syscall was legal
  const std::optional<ExitRequest>& exitRequest() const { return exit_; }

 private:
  // Each returns the VatSyscallResult JSON, or calls fault() and returns its answer.
  std::string send(const Json& s);
  std::string callNow(const Json& s);
  std::string subscribe(const Json& s);
  std::string resolve(const Json& s);
  std::string exit(const Json& s);
  std::string vatstore(const std::string& kind, const Json& s);
  std::string gc(const std::string& kind, const Json& s);
  std::string fault(std::string why);
  // vref -> kref, or nullopt (after fault()) if the vat may not use it.
  std::optional<std::string> kref(const Json& vref, bool setReachable = true);
  std::optional<CapData> capdataToKernel(const Json& j);
  std::optional<VatSlot> vatSlot(const Json& vref);

  Kernel& kernel_;  // owns us for the delivery
  KernelState& state_;
  VatState vat_;
  std::string illegal_;
  std::optional<ExitRequest> exit_;
};

}  // namespace swingset
