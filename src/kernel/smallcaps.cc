#include "kernel/smallcaps.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace swingset {
namespace {

// "$3.Alleged: x" / "$3" / "&3" -> 3
std::optional<size_t> slotIndex(const std::string& s) {
  if (s.size() < 2 || (s[0] != '$' && s[0] != '&')) return std::nullopt;
  const char* end = s.data() + std::min(s.find('.'), s.size());
  size_t n = 0;
  auto [p, ec] = std::from_chars(s.data() + 1, end, n);
  if (ec != std::errc() || p != end) return std::nullopt;  // marshal's Nat(Number(digits)) throws
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

std::optional<std::string> singleSlot(const CapData& c, bool* malformed) {
  bool bad = false;
  std::optional<std::string> slot;
  auto at = [&](size_t i) {
    if (i < c.slots.size()) slot = c.slots[i];
    else bad = true;
  };
  if (c.body.starts_with("#\"")) {  // smallcaps, a string at the top
    std::optional<Json> v = smallcapsValue(c);
    if (!v) {
      bad = true;
    } else if (const std::string& s = v->get_ref<const std::string&>(); s.starts_with("$") || s.starts_with("&")) {
      std::optional<size_t> i = slotIndex(s);
      if (i) at(*i);
      else bad = true;
    }
  } else if (!c.body.starts_with("#")) {  // the older body format: plain JSON with @qclass
    std::optional<Json> v = parseJson(c.body);
    if (!v) {
      bad = true;
    } else if (v->is_object() && v->value("@qclass", Json()) == "slot") {
      const Json& i = v->value("index", Json());
      if (i.is_number_unsigned()) at(i.get<size_t>());
      else bad = true;
    }
  }
  if (malformed) *malformed = bad;
  return bad ? std::nullopt : slot;
}

std::string legibleMethod(const CapData& methargs) {
  // As extractMethod: JSON.parse of the body (after a smallcaps '#'), then methargs[0].
  bool smallcaps = methargs.body.starts_with("#");
  std::optional<Json> ma = parseJson(std::string_view(methargs.body).substr(smallcaps ? 1 : 0));
  if (!ma || ma->is_null()) return "<unknown>";  // JSON.parse threw, or null[0] did
  std::optional<Json> method;  // undefined unless methargs[0] is something
  if (ma->is_array() && !ma->empty()) method = (*ma)[0];
  if (ma->is_object() && ma->contains("0")) method = (*ma)["0"];
  if (ma->is_string() && !ma->get_ref<const std::string&>().empty()) method = ma->get<std::string>().substr(0, 1);
  // As legibilizeMethod.
  if (!method) return "<funcall>";
  if (method->is_string()) {
    const std::string& m = method->get_ref<const std::string&>();
    if (!smallcaps || m.empty()) return m;
    std::string rest = m.substr(1);
    switch (m[0]) {
      case '%': return "[" + rest + "]";
      case '#': return rest == "undefined" ? "<funcall>" : "<unintelligible method>";
      case '!': return rest;
      case '+': case '-': case '$': case '&': return "<unintelligible method>";
      default: return m;
    }
  }
  if (method->is_array() && !smallcaps) return "<invalid method type>";
  if (method->is_object() && !smallcaps) {
    Json qclass = method->value("@qclass", Json());
    if (qclass == "undefined") return "<funcall>";
    if (qclass == "symbol") {
      auto name = method->find("name");
      return "[" + (name == method->end() ? "undefined" : name->is_string() ? name->get<std::string>() : toJson(*name)) + "]";
    }
    if (qclass == "@@asyncIterator") return "[Symbol.asyncIterator]";
    return "<invalid method type>";
  }
  return "<unintelligible method>";  // a number, a boolean, null, or an object or array in smallcaps
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
