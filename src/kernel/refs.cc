#include "kernel/refs.h"

#include <charconv>

namespace swingset {
namespace {

// A decimal natural number with no sign, no leading zeros (except "0"), no trailing junk.
std::optional<uint64_t> parseNat(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<RefType> refType(char c) {
  switch (c) {
    case 'o': return RefType::kObject;
    case 'p': return RefType::kPromise;
    case 'd': return RefType::kDevice;
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<KernelSlot> KernelSlot::parse(std::string_view s) {
  if (s.size() < 3 || s[0] != 'k') return std::nullopt;
  std::optional<RefType> t = refType(s[1]);
  std::optional<uint64_t> id = parseNat(s.substr(2));
  if (!t || !id) return std::nullopt;
  return KernelSlot{*t, *id};
}

std::string KernelSlot::str() const {
  std::string out = "k";
  out.push_back(static_cast<char>(type));
  out += std::to_string(id);
  return out;
}

std::optional<VatSlot> VatSlot::parse(std::string_view s) {
  if (s.size() < 3) return std::nullopt;
  std::optional<RefType> t = refType(s[0]);
  if (!t || (s[1] != '+' && s[1] != '-')) return std::nullopt;
  bool mine = s[1] == '+';
  std::string_view rest = s.substr(2);
  if (parseNat(rest)) return VatSlot{*t, mine, std::string(s)};
  // Virtual and durable objects: o+vK/I or o+dK/I, optionally with a facet :F.
  if (*t != RefType::kObject || !mine || (rest[0] != 'v' && rest[0] != 'd')) return std::nullopt;
  rest.remove_prefix(1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || !parseNat(rest.substr(0, slash))) return std::nullopt;
  rest.remove_prefix(slash + 1);
  size_t colon = rest.find(':');
  if (!parseNat(rest.substr(0, colon))) return std::nullopt;
  if (colon != std::string_view::npos && !parseNat(rest.substr(colon + 1))) return std::nullopt;
  return VatSlot{*t, mine, std::string(s)};
}

std::optional<uint64_t> parseVatID(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v') return std::nullopt;
  return parseNat(s.substr(1));
}

std::string vatIDString(uint64_t n) { return "v" + std::to_string(n); }

}  // namespace swingset
