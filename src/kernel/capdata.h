#pragma once
// CapData, `{"body":"#…","slots":[…]}`: the kernel rewrites slots and never touches the body.
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"

namespace swingset {

struct CapData {
  std::string body;
  std::vector<std::string> slots;

  // nullopt unless `j` is an object with a string `body` and an array of string `slots`.
  static std::optional<CapData> fromJson(const Json& j);
  Json toJson() const;  // body first, as JS writes it
  std::string str() const;
  bool operator==(const CapData&) const = default;
};

// The kernel's own values, as kmarshal writes them.
CapData kernelError(const std::string& message);  // #{"#error":…,"name":"Error"}
CapData undefinedCapData();                       // #"#undefined"

std::string joinSlots(const std::vector<std::string>& slots);  // "a,b" (kpN.data.slots)
std::vector<std::string> splitSlots(const std::string& joined);

}  // namespace swingset
