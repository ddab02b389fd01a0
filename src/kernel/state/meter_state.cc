// KernelState: meters (reference/kernel.md §12). `mN.remaining` is a decimal or "unlimited",
// `mN.threshold` a decimal. A metered vat's deliveries are checked against its meter before the
// crank commits and deducted after; the meter only ever says how much the vat may still spend.
#include "base/panic.h"
#include "kernel/state/kernel_state.h"

namespace swingset {
namespace {

constexpr const char* kUnlimited = "unlimited";

uint64_t decimal(const std::string& key, const std::string& v) {
  SS_INSIST(!v.empty() && v.find_first_not_of("0123456789") == std::string::npos, "{} is '{}', not a count", key, v);
  return std::stoull(v);
}

}  // namespace

std::string KernelState::allocateMeter(std::optional<uint64_t> remaining, uint64_t threshold) {
  std::string meterID = "m" + std::to_string(allocateCounter("meter.nextID"));
  kv_.set(meterID + ".remaining", remaining ? std::to_string(*remaining) : kUnlimited);
  kv_.set(meterID + ".threshold", std::to_string(threshold));
  return meterID;
}

bool KernelState::meterExists(const std::string& meterID) { return kv_.has(meterID + ".remaining"); }

MeterReading KernelState::getMeter(const std::string& meterID) {
  std::string remaining = kv_.getRequired(meterID + ".remaining");
  std::string threshold = kv_.getRequired(meterID + ".threshold");
  MeterReading m;
  if (remaining != kUnlimited) m.remaining = decimal(meterID + ".remaining", remaining);
  m.threshold = decimal(meterID + ".threshold", threshold);
  return m;
}

void KernelState::addMeterRemaining(const std::string& meterID, uint64_t delta) {
  MeterReading m = getMeter(meterID);
  if (!m.remaining) return;  // unlimited stays unlimited
  SS_INSIST(*m.remaining <= UINT64_MAX - delta, "meter {} would overflow", meterID);
  kv_.set(meterID + ".remaining", std::to_string(*m.remaining + delta));
}

void KernelState::setMeterThreshold(const std::string& meterID, uint64_t threshold) {
  getMeter(meterID);  // insists it exists
  kv_.set(meterID + ".threshold", std::to_string(threshold));
}

bool KernelState::checkMeter(const std::string& meterID, uint64_t spent) {
  MeterReading m = getMeter(meterID);
  return !m.remaining || *m.remaining >= spent;
}

bool KernelState::deductMeter(const std::string& meterID, uint64_t spent) {
  MeterReading m = getMeter(meterID);
  if (!m.remaining) return false;
  uint64_t left = spent > *m.remaining ? 0 : *m.remaining - spent;
  kv_.set(meterID + ".remaining", std::to_string(left));
  return left < m.threshold && *m.remaining >= m.threshold;  // once per crossing
}

}  // namespace swingset
