#pragma once
// What a delivery crank did and what must follow it (CrankResults in kernel.js). Private to the
// kernel's .cc files.
#include <optional>
#include <string>
#include <utility>

#include "kernel/kernel.h"

namespace swingset {

struct Termination {
  std::string vatID;
  bool reject = true;
  CapData info;
};

struct Kernel::CrankResults {
  std::string didDelivery;  // the vat delivered to, if any
  bool abort = false;           // roll the crank back...
  bool consumeMessage = false;  // ...to "deliver" (message consumed) rather than "start"
  uint64_t computrons = 0;
  std::string meterID;  // deduct the computrons from this meter
  bool measureDirt = false;
  uint64_t gcKrefs = 0;
  std::optional<Termination> terminate;
  std::optional<std::pair<std::string, CapData>> vatAdminMethargs;  // method, args
};

// Where a send goes: to a vat (vatID set) or to wait in a promise's queue (vatID empty).
struct Kernel::Route {
  std::string vatID;
  std::string target;
};

}  // namespace swingset
