#include "kernel/capdata.h"

namespace swingset {

std::optional<CapData> CapData::fromJson(const Json& j) {
  if (!j.is_object() || j.size() != 2) return std::nullopt;
  auto body = j.find("body");
  auto slots = j.find("slots");
  if (body == j.end() || !body->is_string() || slots == j.end() || !slots->is_array()) return std::nullopt;
  CapData c;
  c.body = body->get<std::string>();
  for (const Json& s : *slots) {
    if (!s.is_string()) return std::nullopt;
    c.slots.push_back(s.get<std::string>());
  }
  return c;
}

Json CapData::toJson() const {
  Json j = Json::object();
  j["body"] = body;
  j["slots"] = slots;
  return j;
}

std::string CapData::str() const { return swingset::toJson(toJson()); }

CapData kernelError(const std::string& message) {
  Json e = Json::object();
  e["#error"] = message;
  e["name"] = "Error";
  return CapData{"#" + swingset::toJson(e), {}};
}

CapData undefinedCapData() { return CapData{"#\"#undefined\"", {}}; }

std::string joinSlots(const std::vector<std::string>& slots) {
  std::string out;
  for (const std::string& s : slots) {
    if (!out.empty()) out.push_back(',');
    out += s;
  }
  return out;
}

std::vector<std::string> splitSlots(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < joined.size()) {
    size_t comma = joined.find(',', start);
    if (comma == std::string::npos) comma = joined.size();
    out.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace swingset
