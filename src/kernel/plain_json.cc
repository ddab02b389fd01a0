#include "kernel/plain_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace swingset {
namespace {

// Smallcaps escapes strings whose first char is in !"#$%&'()*+,- (0x21..0x2d).
bool startsSpecial(std::string_view s) { return !s.empty() && s[0] >= '!' && s[0] <= '-'; }

// UTF-8 (valid, as nlohmann guarantees for parsed text) to UTF-16 code units, for JS's sort().
std::u16string utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    char32_t cp;
    size_t n;
    if (c < 0x80) {
      cp = c, n = 1;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1f, n = 2;
    } else if ((c >> 4) == 0xe) {
      cp = c & 0x0f, n = 3;
    } else {
      cp = c & 0x07, n = 4;
    }
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// A JS array index ("0", "17"; not "01", not 2^32-1): such keys come first in JS property order.
std::optional<uint64_t> arrayIndex(std::string_view s) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v >= 4294967295ull) return std::nullopt;
  return v;
}

class Encoder {
 public:
  std::string error;

  bool encode(const Json& v, std::string& out, int depth) {
    if (depth > kMaxPlainDepth) return fail(fmt::format("nested deeper than {}", kMaxPlainDepth));
    switch (v.type()) {
      case Json::value_t::null:
        out += "null";
        return true;
      case Json::value_t::boolean:
        out += v.get<bool>() ? "true" : "false";
        return true;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
      case Json::value_t::number_float: {
        double d = v.get<double>();
        if (!std::isfinite(d)) return fail("a number that is not finite");
        out += jsNumberString(d);
        return true;
      }
      case Json::value_t::string:
        string(v.get_ref<const std::string&>(), out);
        return true;
      case Json::value_t::array: {
        out += '[';
        bool first = true;
        for (const Json& e : v) {
          if (!first) out += ',';
          first = false;
          if (!encode(e, out, depth + 1)) return false;
        }
        out += ']';
        return true;
      }
      case Json::value_t::object:
        return record(v, out, depth);
      default:
        return fail(fmt::format("a JSON {} value", v.type_name()));
    }
  }

 private:
  bool fail(std::string what) {
    error = "cannot encode " + std::move(what);
    return false;
  }

  static void string(const std::string& s, std::string& out) {
    out += startsSpecial(s) ? quoteJson("!" + s) : quoteJson(s);
  }

  // JS: fromEntries(ownKeys(rec).sort().map(...)), then JSON.stringify, which writes array-index
  // keys first in numeric order and the rest in the sorted (UTF-16) order.
  bool record(const Json& v, std::string& out, int depth) {
    std::vector<std::pair<std::u16string, const std::string*>> names;
    std::vector<std::pair<uint64_t, const std::string*>> indices;
    for (const auto& [k, _] : v.items()) {
      const std::string* key = &k;
      if (std::optional<uint64_t> i = arrayIndex(k)) {
        indices.emplace_back(*i, key);
      } else {
        names.emplace_back(utf16(k), key);
      }
    }
    std::sort(indices.begin(), indices.end());
    std::sort(names.begin(), names.end());
    std::vector<const std::string*> order;
    for (const auto& i : indices) order.push_back(i.second);
    for (const auto& n : names) order.push_back(n.second);
    out += '{';
    bool first = true;
    for (const std::string* k : order) {
      if (!first) out += ',';
      first = false;
      string(*k, out);
      out += ':';
      if (!encode(v.at(*k), out, depth + 1)) return false;
    }
    out += '}';
    return true;
  }
};

class Decoder {
 public:
  Decoder(const Json& slots) : slots_(slots) {}
  std::string error;

  // First pass: the interface each slot index is first given with ("$3.Alleged: X").
  void collectIfaces(const Json& v, int depth) {
    if (depth > kMaxPlainDepth) return;  // decode() reports it
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      size_t dot = s.find('.');
      if (s.starts_with('$') && dot != std::string::npos) {
        std::optional<size_t> i = slotIndex(s.substr(1, dot - 1));
        if (i && !ifaces_.contains(*i)) ifaces_[*i] = s.substr(dot + 1);
      }
    } else if (v.is_structured()) {
      for (const Json& e : v) collectIfaces(e, depth + 1);
    }
  }

  std::optional<Json> decode(const Json& v, int depth) {
    if (depth > kMaxPlainDepth) return fail(fmt::format("nested deeper than {}", kMaxPlainDepth));
    switch (v.type()) {
      case Json::value_t::null:
      case Json::value_t::boolean:
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
      case Json::value_t::number_float:
        return v;
      case Json::value_t::string:
        return string(v.get_ref<const std::string&>());
      case Json::value_t::array: {
        Json out = Json::array();
        for (const Json& e : v) {
          std::optional<Json> d = decode(e, depth + 1);
          if (!d) return std::nullopt;
          out.push_back(std::move(*d));
        }
        return out;
      }
      case Json::value_t::object:
        if (v.contains("#tag")) return tagged(v, depth);
        if (v.contains("#error")) return errorRecord(v, depth);
        return record(v, depth);
      default:
        return fail(fmt::format("unexpected JSON {}", v.type_name()));
    }
  }

 private:
  enum class SlotKind { kRemotable, kPromise };

  std::nullopt_t fail(std::string what) {
    if (error.empty()) error = std::move(what);
    return std::nullopt;
  }

  std::optional<size_t> slotIndex(std::string_view digits) const {
    if (digits.empty() || digits.size() > 9 || (digits.size() > 1 && digits[0] == '0'))
      return std::nullopt;
    size_t i = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
    if (ec != std::errc() || p != digits.data() + digits.size() || i >= slots_.size())
      return std::nullopt;
    return i;
  }

  std::optional<Json> slot(const std::string& s, SlotKind kind) {
    size_t dot = kind == SlotKind::kRemotable ? s.find('.') : std::string::npos;
    std::optional<size_t> i = slotIndex(std::string_view(s).substr(1, dot - 1));
    if (!i) return fail(fmt::format("{} has no slot index below {}", quoteJson(s), slots_.size()));
    auto [it, added] = kinds_.emplace(*i, kind);
    if (it->second != kind)
      return fail(fmt::format("slot {} is used as both a remotable and a promise", *i));
    const Json& kref = slots_[*i];
    if (kind == SlotKind::kPromise) return Json{{"@promise", kref}};
    auto iface = ifaces_.find(*i);
    return Json{{"@remotable", iface == ifaces_.end() ? Json() : Json(iface->second)},
                {"kref", kref}};
  }

  // "+12" → "12", "-007" → "-7", "-0" → "0".
  std::optional<Json> bigint(const std::string& s) {
    std::string_view digits = std::string_view(s).substr(1);
    if (digits.empty() ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return fail(fmt::format("{} is not a bigint", quoteJson(s)));
    size_t nz = digits.find_first_not_of('0');
    std::string mag = nz == std::string_view::npos ? "0" : std::string(digits.substr(nz));
    bool negative = s[0] == '-' && mag != "0";
    return Json{{"@bigint", negative ? "-" + mag : mag}};
  }

  std::optional<Json> string(const std::string& s) {
    if (!startsSpecial(s)) return Json(s);
    switch (s[0]) {
      case '!':
        return Json(s.substr(1));
      case '#':
        if (s == "#undefined") return Json{{"@undefined", true}};
        if (s == "#NaN") return Json{{"@NaN", true}};
        if (s == "#Infinity") return Json{{"@Infinity", true}};
        if (s == "#-Infinity") return Json{{"@-Infinity", true}};
        return fail(fmt::format("unknown constant {}", quoteJson(s)));
      case '+':
      case '-':
        return bigint(s);
      case '%':
        return Json{{"@symbol", s.substr(1)}};
      case '$':
        return slot(s, SlotKind::kRemotable);
      case '&':
        return slot(s, SlotKind::kPromise);
      default:
        return fail(fmt::format("special character '{}' is reserved: {}", s[0], quoteJson(s)));
    }
  }

  // A record key, or a tag or error field that must decode to a string.
  std::optional<std::string> stringOnly(const Json& v, std::string_view what) {
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (!startsSpecial(s)) return s;
      if (s[0] == '!') return s.substr(1);
    }
    fail(fmt::format("{} must be a string, not {}", what, toJson(v)));
    return std::nullopt;
  }

  std::optional<Json> tagged(const Json& v, int depth) {
    for (const auto& [k, _] : v.items())
      if (k != "#tag" && k != "payload")
        return fail(fmt::format("#tag record has unexpected key {}", quoteJson(k)));
    if (!v.contains("payload")) return fail("#tag record has no payload");
    std::optional<std::string> tag = stringOnly(v.at("#tag"), "#tag");
    if (!tag) return std::nullopt;
    std::optional<Json> payload = decode(v.at("payload"), depth + 1);
    if (!payload) return std::nullopt;
    return Json{{"@tagged", *tag}, {"payload", std::move(*payload)}};
  }

  std::optional<Json> errorRecord(const Json& v, int depth) {
    if (v.contains("message")) return fail("#error record has a message key");
    if (!v.contains("name")) return fail("#error record has no name");
    std::optional<std::string> name = stringOnly(v.at("name"), "error name");
    std::optional<std::string> message = stringOnly(v.at("#error"), "error message");
    if (!name || !message) return std::nullopt;
    Json out = {{"name", *name}, {"message", *message}};
    for (const auto& [k, e] : v.items()) {
      if (k == "#error" || k == "name") continue;
      std::optional<Json> d = decode(e, depth + 1);  // errorId, cause, errors, extras
      if (!d) return std::nullopt;
      out[k] = std::move(*d);
    }
    return Json{{"@error", std::move(out)}};
  }

  std::optional<Json> record(const Json& v, int depth) {
    Json out = Json::object();
    for (const auto& [k, e] : v.items()) {
      if (k.starts_with('#')) return fail(fmt::format("unknown record type {}", quoteJson(k)));
      std::optional<std::string> name = stringOnly(Json(k), "record key");
      if (!name) return std::nullopt;
      std::optional<Json> d = decode(e, depth + 1);
      if (!d) return std::nullopt;
      out[*name] = std::move(*d);
    }
    return out;
  }

  const Json& slots_;
  std::map<size_t, std::string> ifaces_;
  std::map<size_t, SlotKind> kinds_;
};

}  // namespace

std::string jsNumberString(double d) {
  if (d == 0) return "0";  // and -0
  if (d < 0) return "-" + jsNumberString(-d);
  // Shortest round-trip digits, as ECMAScript's Number::toString picks them.
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, end - buf);  // "1.2345e+02"
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp10 = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp10);
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;  // d = digits × 10^(n−k)
  if (k <= n && n <= 21) return digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return "0." + std::string(-n, '0') + digits;
  std::string mantissa = k == 1 ? digits : digits.substr(0, 1) + "." + digits.substr(1);
  return fmt::format("{}e{}{}", mantissa, n - 1 >= 0 ? "+" : "-", std::abs(n - 1));
}

EncodedPlain encodePlain(const Json& value) {
  Encoder enc;
  std::string body = "#";
  if (!enc.encode(value, body, 0)) return {std::nullopt, enc.error};
  return {R"({"body":)" + quoteJson(body) + R"(,"slots":[]})", ""};
}

EncodedPlain encodePlainArgs(const Json& array) {
  if (!array.is_array())
    return {std::nullopt, fmt::format("arguments must be a JSON array, not {}", array.type_name())};
  return encodePlain(array);
}

DecodedPlain decodeToPlain(std::string_view capdataJson) {
  std::optional<Json> cap = parseJson(capdataJson);
  if (!cap) return {std::nullopt, "capdata is not JSON"};
  if (!cap->is_object()) return {std::nullopt, "capdata is not a JSON object"};
  auto body = cap->find("body");
  auto slots = cap->find("slots");
  if (body == cap->end() || !body->is_string()) return {std::nullopt, "capdata has no string body"};
  if (slots == cap->end() || !slots->is_array())
    return {std::nullopt, "capdata has no slots array"};
  for (const Json& s : *slots)
    if (!s.is_string()) return {std::nullopt, "capdata slots must be strings"};
  const std::string& text = body->get_ref<const std::string&>();
  if (!text.starts_with('#'))
    return {std::nullopt, "body is not smallcaps (no leading '#'); the legacy format is not read"};
  std::optional<Json> tree = parseJson(std::string_view(text).substr(1));
  if (!tree) return {std::nullopt, "body after '#' is not JSON"};
  Decoder dec(*slots);
  dec.collectIfaces(*tree, 0);
  std::optional<Json> plain = dec.decode(*tree, 0);
  if (!plain) return {std::nullopt, "bad smallcaps body: " + dec.error};
  return {std::move(plain), ""};
}

}  // namespace swingset
