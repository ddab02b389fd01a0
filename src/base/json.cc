#include "base/json.h"

#include <array>
#include <charconv>

namespace swingset {
namespace {

// Bytes that stand for themselves inside a JSON string, both ways: printable ASCII except '"'
// and '\\'. Message bodies are long runs of them, copied whole rather than byte by byte: that is
// where nlohmann spends its time (~100 ms to parse, ~65 ms to print an 8 MB body).
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; c++) t[c] = c != '"' && c != '\\';
  return t;
}();

bool plain(char c) { return kPlain[static_cast<unsigned char>(c)]; }

// Length of the well-formed UTF-8 sequence at p (Unicode Table 3-7: no overlongs, surrogates or
// code points past U+10FFFF, exactly what nlohmann accepts), or 0.
size_t utf8Length(const char* p, const char* end) {
  auto at = [&](size_t i) { return p + i < end ? static_cast<unsigned char>(p[i]) : 0u; };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) { return at(i) >= lo && at(i) <= hi; };
  unsigned c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

void appendUtf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A strict JSON parser for the common case. It gives up (false) on anything it is not sure to
// read exactly as nlohmann does, valid or not: a BOM, duplicate keys, a number nlohmann would
// turn into a float or refuse, nesting past kMaxDepth. parseJson then asks nlohmann, so the
// result is always nlohmann's; this is only faster.
class FastParser {
 public:
  explicit FastParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool parse(Json& out) {
    skipSpace();
    if (!value(out, 0)) return false;
    skipSpace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = kMaxJsonDepth;

  void skipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool value(Json& out, int depth) {
    if (p_ == end_ || depth > kMaxDepth) return false;
    switch (*p_) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': out = true; return literal("true");
      case 'f': out = false; return literal("false");
      case 'n': out = nullptr; return literal("null");
      default: return number(out);
    }
  }

  bool object(Json& out, int depth) {
    ++p_;
    out = Json::object();
    auto& members = out.get_ref<Json::object_t&>();
    skipSpace();
    if (p_ < end_ && *p_ == '}') return ++p_, true;
    for (;;) {
      skipSpace();
      std::string key;
      if (p_ == end_ || *p_ != '"' || !string(key)) return false;
      skipSpace();
      if (p_ == end_ || *p_++ != ':') return false;
      skipSpace();
      auto [it, inserted] = members.emplace(std::move(key), Json());
      if (!inserted || !value(it->second, depth + 1)) return false;
      skipSpace();
      if (p_ == end_) return false;
      char c = *p_++;
      if (c == '}') return true;
      if (c != ',') return false;
    }
  }

  bool array(Json& out, int depth) {
    ++p_;
    out = Json::array();
    auto& items = out.get_ref<Json::array_t&>();
    skipSpace();
    if (p_ < end_ && *p_ == ']') return ++p_, true;
    for (;;) {
      skipSpace();
      items.emplace_back();
      if (!value(items.back(), depth + 1)) return false;
      skipSpace();
      if (p_ == end_) return false;
      char c = *p_++;
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  bool hex4(uint32_t& cp) {  // from_chars takes no sign or 0x for an unsigned type
    if (end_ - p_ < 4) return false;
    auto [next, ec] = std::from_chars(p_, p_ + 4, cp, 16);
    if (ec != std::errc() || next != p_ + 4) return false;
    p_ += 4;
    return true;
  }

  bool string(std::string& s) {
    ++p_;  // the opening quote
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && plain(*p_)) ++p_;
      s.append(run, p_);
      if (p_ == end_) return false;
      unsigned char c = *p_;
      if (c == '"') return ++p_, true;
      if (c < 0x20) return false;
      if (c >= 0x80) {
        size_t n = utf8Length(p_, end_);
        if (n == 0) return false;
        s.append(p_, n);
        p_ += n;
        continue;
      }
      if (++p_ == end_) return false;  // a backslash
      switch (*p_++) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp) || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          appendUtf8(s, cp);
          break;
        }
        default: return false;
      }
    }
  }

  // Integers only: nlohmann's rules for fractions, exponents and out-of-range integers (floats,
  // or errors for infinities) are left to it.
  bool number(Json& out) {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    if (*start == '-') {
      int64_t v;
      auto [next, ec] = std::from_chars(start, p_, v);
      if (ec != std::errc() || next != p_) return false;
      out = v;
    } else {
      uint64_t v;
      auto [next, ec] = std::from_chars(start, p_, v);
      if (ec != std::errc() || next != p_) return false;
      out = v;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

void dumpNlohmann(std::string& out, const Json& value) {
  out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// nlohmann's escaping (ensure_ascii off): \b \t \n \f \r \" \\ by name, other controls as
// \u00xx, everything else as is. A string that is not valid UTF-8 goes to nlohmann whole, for
// its replacement rules.
void dumpString(std::string& out, std::string_view s) {
  size_t mark = out.size();
  out += '"';
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && plain(*p)) ++p;
    out.append(run, p);
    if (p == end) break;
    unsigned char c = *p;
    if (c >= 0x80) {
      size_t n = utf8Length(p, end);
      if (n == 0) {
        out.resize(mark);
        dumpNlohmann(out, Json(std::string(s)));
        return;
      }
      out.append(p, n);
      p += n;
      continue;
    }
    ++p;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
  }
  out += '"';
}

template <typename T>
void dumpInteger(std::string& out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void dump(std::string& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : value.get_ref<const Json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        dumpString(out, k);
        out += ':';
        dump(out, v);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const Json& v : value.get_ref<const Json::array_t&>()) {
        if (!first) out += ',';
        first = false;
        dump(out, v);
      }
      out += ']';
      return;
    }
    case Json::value_t::string: dumpString(out, value.get_ref<const std::string&>()); return;
    case Json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::number_integer: dumpInteger(out, value.get<int64_t>()); return;
    case Json::value_t::number_unsigned: dumpInteger(out, value.get<uint64_t>()); return;
    default: dumpNlohmann(out, value);  // floats (nlohmann's shortest form), binary, discarded
  }
}

}  // namespace

bool parseJsonFast(std::string_view text, Json& out) { return FastParser(text).parse(out); }

namespace {

// Whether brackets outside strings nest deeper than `limit` (the text need not be valid JSON).
bool nestsDeeperThan(std::string_view text, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (inString) {
      if (c == '\\') i++;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return false;
}

}  // namespace

std::optional<Json> parseJson(std::string_view text) {
  Json j;
  if (parseJsonFast(text, j)) return j;
  if (nestsDeeperThan(text, kMaxJsonDepth)) return std::nullopt;
  j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string toJson(const Json& value) {
  std::string out;
  dump(out, value);
  return out;
}

std::string quoteJson(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  dumpString(out, s);
  return out;
}

}  // namespace swingset
