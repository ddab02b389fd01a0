#pragma once
// Kernel refs (`ko20`, `kp40`, `kd30`) and vat refs (`o+0`, `o-50`, `p+5`, `p-60`, `d-70`,
// `o+d6/1:2`), as values. parse() accepts exactly the grammar of reference/refs-and-clists.md
// and never throws: vrefs come from vats, and a bad one is a vat fault.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace swingset {

enum class RefType : char { kObject = 'o', kPromise = 'p', kDevice = 'd' };

struct KernelSlot {
  RefType type = RefType::kObject;
  uint64_t id = 0;

  static std::optional<KernelSlot> parse(std::string_view s);
  std::string str() const;  // "ko20"
  bool isObject() const { return type == RefType::kObject; }
  bool isPromise() const { return type == RefType::kPromise; }
  bool isDevice() const { return type == RefType::kDevice; }
  auto operator<=>(const KernelSlot&) const = default;
};

struct VatSlot {
  RefType type = RefType::kObject;
  bool allocatedByVat = false;  // '+': the vat's export (or its own promise); '-': an import
  std::string text;             // the whole vref, as the vat wrote it

  static std::optional<VatSlot> parse(std::string_view s);
  const std::string& str() const { return text; }
  bool isObject() const { return type == RefType::kObject; }
  bool isPromise() const { return type == RefType::kPromise; }
  bool isDevice() const { return type == RefType::kDevice; }
  bool operator==(const VatSlot& o) const { return text == o.text; }
};

// Vat and device IDs: "v1", "d7".
std::optional<uint64_t> parseVatID(std::string_view s);
std::string vatIDString(uint64_t n);

}  // namespace swingset
