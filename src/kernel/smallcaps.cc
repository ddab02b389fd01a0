#include "kernel/smallcaps.h"

#include <charconv>
#include <map>

namespace swingset {
namespace {

// "$3.Alleged: x" / "$3" / "&3" -> 3
std::optional<size_t> slotIndex(const std::string& s) {
  if (s.size() < 2 || (s[0] != '$' && s[0] != '&')) return std::nullopt;
  size_t end = s.find('.');
  size_t n = 0;
  auto [p, ec] = std::from_chars(s.data() + 1, s.data() + (end == std::string::npos ? s.size() : end), n);
  if (ec != std::errc()) return std::nullopt;
  return n;
}

Json renumber(const Json& v, const CapData& whole, std::map<size_t, size_t>& map, std::vector<std::string>& slots) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (std::optional<size_t> i = slotIndex(s); i && *i < whole.slots.size()) {
      auto [it, fresh] = map.try_emplace(*i, slots.size());
      if (fresh) slots.push_back(whole.slots[*i]);
      size_t dot = s.find('.');
      return std::string(1, s[0]) + std::to_string(it->second) + (dot == std::string::npos ? "" : s.substr(dot));
    }
    return v;
  }
  if (v.is_array() || v.is_object()) {
    Json out = v;
    for (auto it = out.begin(); it != out.end(); ++it) *it = renumber(*it, whole, map, slots);
    return out;
  }
  return v;
}

}  // namespace

std::optional<Json> smallcapsValue(const CapData& c) {
  if (!c.body.starts_with("#")) return std::nullopt;
  return parseJson(std::string_view(c.body).substr(1));
}

CapData subCapData(const Json& value, const CapData& whole) {
  std::map<size_t, size_t> map;
  std::vector<std::string> slots;
  Json body = renumber(value, whole, map, slots);
  return CapData{"#" + toJson(body), slots};
}

namespace {
bool dropErrorIds(Json& v) {
  bool dropped = false;
  if (v.is_object()) {
    if (v.contains("#error")) dropped = v.erase("errorId") > 0;
    for (auto& [k, e] : v.items()) dropped = dropErrorIds(e) || dropped;
  } else if (v.is_array()) {
    for (Json& e : v) dropped = dropErrorIds(e) || dropped;
  }
  return dropped;
}
}  // namespace

CapData withoutErrorIds(const CapData& c) {
  std::optional<Json> v = smallcapsValue(c);
  // Re-encoded only when there was one: JSON.stringify's text of every other body is kept as is.
  if (!v || !dropErrorIds(*v)) return c;
  return CapData{"#" + toJson(*v), c.slots};
}

bool slotReferencesValid(const Json& value, size_t slotCount) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.empty() || (s[0] != '$' && s[0] != '&')) return true;
    std::optional<size_t> i = slotIndex(s);
    return i && *i < slotCount;
  }
  if (value.is_array() || value.is_object()) {
    for (const Json& v : value) {
      if (!slotReferencesValid(v, slotCount)) return false;
    }
  }
  return true;
}

std::optional<std::string> smallcapsString(const Json& value) {
  if (!value.is_string()) return std::nullopt;
  std::string s = value.get<std::string>();
  if (s.empty()) return s;
  if (s[0] == '!') return s.substr(1);
  if (std::string_view("\"#$%&'()*+,-").find(s[0]) != std::string_view::npos) return std::nullopt;
  return s;
}

}  // namespace swingset
