// KernelState: meters (reference/kernel.md §12). `mN.remaining` is a decimal or "unlimited",
// `mN.threshold` a decimal. A metered vat's deliveries are checked against its meter before the
// crank commits and deducted after; the meter only ever says how much the vat may still spend.
#include "base/panic.h"
#include "kernel/state/kernel_state.h"

namespace swingset {
namespace {

constexpr const char* kUnlimited = "unlimited";

// Amounts are decimal strings of any length (JS BigInts), so that no meter value a vat can ask
// for overflows: canonical digits, compared by length first.
bool isNat(std::string_view v) {
  return !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos && (v.size() == 1 || v[0] != '0');
}

const std::string& nat(const std::string& key, const std::string& v) {
  SS_INSIST(isNat(v), "{} is '{}', not a count", key, v);
  return v;
}

bool lessThan(std::string_view a, std::string_view b) { return a.size() != b.size() ? a.size() < b.size() : a < b; }

std::string add(std::string_view a, std::string_view b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; i++) {
    int d = carry + (i < a.size() ? a[a.size() - 1 - i] - '0' : 0) + (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    out.push_back(static_cast<char>('0' + d % 10));
    carry = d / 10;
  }
  return {out.rbegin(), out.rend()};
}

std::string subtract(std::string_view a, std::string_view b) {  // a >= b
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); i++) {
    int d = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = d < 0;
    out.push_back(static_cast<char>('0' + (d + 10) % 10));
  }
  while (out.size() > 1 && out.back() == '0') out.pop_back();
  return {out.rbegin(), out.rend()};
}

}  // namespace

std::string KernelState::allocateMeter(const std::optional<std::string>& remaining, const std::string& threshold) {
  SS_INSIST((!remaining || isNat(*remaining)) && isNat(threshold), "a meter amount is not a count");
  std::string meterID = "m" + std::to_string(allocateCounter("meter.nextID"));
  kv_.set(meterID + ".remaining", remaining.value_or(kUnlimited));
  kv_.set(meterID + ".threshold", threshold);
  return meterID;
}

bool KernelState::meterExists(const std::string& meterID) { return kv_.has(meterID + ".remaining"); }

MeterReading KernelState::getMeter(const std::string& meterID) {
  std::string remaining = kv_.getRequired(meterID + ".remaining");
  MeterReading m;
  if (remaining != kUnlimited) m.remaining = nat(meterID + ".remaining", remaining);
  m.threshold = nat(meterID + ".threshold", kv_.getRequired(meterID + ".threshold"));
  return m;
}

void KernelState::addMeterRemaining(const std::string& meterID, const std::string& delta) {
  SS_INSIST(isNat(delta), "meter {}: {} is not a count", meterID, delta);
  MeterReading m = getMeter(meterID);
  if (!m.remaining) return;  // unlimited stays unlimited
  kv_.set(meterID + ".remaining", add(*m.remaining, delta));
}

void KernelState::setMeterThreshold(const std::string& meterID, const std::string& threshold) {
  SS_INSIST(isNat(threshold), "meter {}: {} is not a count", meterID, threshold);
  getMeter(meterID);  // insists it exists
  kv_.set(meterID + ".threshold", threshold);
}

bool KernelState::checkMeter(const std::string& meterID, uint64_t spent) {
  MeterReading m = getMeter(meterID);
  return !m.remaining || !lessThan(*m.remaining, std::to_string(spent));
}

bool KernelState::deductMeter(const std::string& meterID, uint64_t spent) {
  MeterReading m = getMeter(meterID);
  if (!m.remaining) return false;
  std::string cost = std::to_string(spent);
  std::string left = lessThan(*m.remaining, cost) ? "0" : subtract(*m.remaining, cost);
  kv_.set(meterID + ".remaining", left);
  return lessThan(left, m.threshold) && !lessThan(*m.remaining, m.threshold);  // once per crossing
}

}  // namespace swingset
