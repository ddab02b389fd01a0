// parseJson and toJson must give exactly nlohmann's answers (JSON is consensus data: transcripts,
// queue items, the activity hash): a differential test over random values and damaged texts.
#include "base/json.h"

#include <gtest/gtest.h>

#include <random>

namespace swingset {
namespace {

Json nlohmannParse(std::string_view text) { return Json::parse(text, nullptr, false); }
std::string nlohmannDump(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// Same value and the same types all the way down (nlohmann's == calls 1u and 1 equal).
bool identical(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (i.key() != j.key() || !identical(i.value(), j.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++) {
      if (!identical(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

class Random {
 public:
  explicit Random(uint32_t seed) : rng_(seed) {}
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  std::string text(bool valid) {
    static const char* kPieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
                                    "é", "€", "𝄞", "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"};
    static const char* kBad[] = {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xff"};
    std::string s;
    for (size_t n = below(12); n > 0; n--) {
      s += valid || below(8) ? kPieces[below(std::size(kPieces))] : kBad[below(std::size(kBad))];
    }
    return s;
  }

  Json value(int depth, bool validUtf8 = true) {
    switch (below(depth > 3 ? 6 : 8)) {
      case 0: return nullptr;
      case 1: return below(2) == 0;
      case 2: return static_cast<int64_t>(rng_()) - (int64_t{1} << 31) * static_cast<int64_t>(below(3));
      case 3: {
        static const uint64_t kEdges[] = {0, 1, 9007199254740993ull, UINT64_MAX, uint64_t{INT64_MAX}};
        return kEdges[below(std::size(kEdges))];
      }
      case 4: return below(2) ? Json(std::numeric_limits<int64_t>::min()) : Json(0.1 * static_cast<double>(rng_()));
      case 5: return text(validUtf8);
      case 6: {
        Json a = Json::array();
        for (size_t n = below(5); n > 0; n--) a.push_back(value(depth + 1, validUtf8));
        return a;
      }
      default: {
        Json o = Json::object();
        for (size_t n = below(5); n > 0; n--) o[text(true)] = value(depth + 1, validUtf8);
        return o;
      }
    }
  }

  // A text near JSON: a printed value, then maybe damaged, maybe with one of the corner cases.
  std::string nearJson() {
    static const char* kOdd[] = {"\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u00e9", "\\uD834\\uDD1E", "\\u12",
                                 "1e400", "-0", "01", "1.5", "-", "1e5", "18446744073709551616",
                                 "-9223372036854775809", "\xef\xbb\xbf", "{\"a\":1,\"a\":2}", "tru", "nul",
                                 " \r\n\t", "[", "]", "{", "}", ",", ":", "\"", "\\", "\\x", "\x01"};
    std::string s = nlohmannDump(value(0));
    for (size_t n = below(3); n > 0; n--) {
      size_t at = below(s.size() + 1);
      switch (below(4)) {
        case 0: s.insert(at, kOdd[below(std::size(kOdd))]); break;
        case 1: if (at < s.size()) s.erase(at, 1); break;
        case 2: if (at < s.size()) s[at] = static_cast<char>(rng_()); break;
        default: s.insert(at, " "); break;
      }
    }
    return s;
  }

 private:
  std::mt19937 rng_;
};

TEST(JsonTest, ParsesAsNlohmannDoes) {
  Random r(20261201);
  size_t fast = 0, valid = 0;
  for (int i = 0; i < 40000; i++) {
    std::string text = r.nearJson();
    Json want = nlohmannParse(text);
    std::optional<Json> got = parseJson(text);
    ASSERT_EQ(got.has_value(), !want.is_discarded()) << text;
    if (got) {
      valid++;
      ASSERT_TRUE(identical(*got, want)) << text;
    }
    Json alone;
    if (parseJsonFast(text, alone)) {
      fast++;
      ASSERT_FALSE(want.is_discarded()) << "accepted what nlohmann refuses: " << text;
      ASSERT_TRUE(identical(alone, want)) << text;
    }
  }
  // The fast parser must carry most of the valid texts, or this test says little about it.
  EXPECT_GT(fast, valid / 2) << fast << " of " << valid;
}

TEST(JsonTest, PrintsAsNlohmannDoes) {
  Random r(7);
  for (int i = 0; i < 20000; i++) {
    Json v = r.value(0, /*validUtf8=*/i % 2 == 0);
    ASSERT_EQ(toJson(v), nlohmannDump(v));
    if (v.is_string()) {
      ASSERT_EQ(quoteJson(v.get<std::string>()), nlohmannDump(v));
    }
  }
}

TEST(JsonTest, CornerCases) {
  EXPECT_EQ(toJson(Json("\x01\x7f\b")), "\"\\u0001\x7f\\b\"");
  EXPECT_EQ(toJson(Json("a\xff")), "\"a\xef\xbf\xbd\"");  // U+FFFD, as nlohmann replaces it
  Json j;
  EXPECT_TRUE(parseJsonFast(R"({"body":"#[\"x\"]","slots":["ko1"],"n":-0})", j));
  EXPECT_EQ(toJson(j), R"({"body":"#[\"x\"]","slots":["ko1"],"n":0})");
  EXPECT_FALSE(parseJsonFast(R"({"a":1,"a":2})", j));  // duplicate keys: nlohmann decides
  EXPECT_EQ(toJson(*parseJson(R"({"a":1,"a":2})")), nlohmannDump(nlohmannParse(R"({"a":1,"a":2})")));
  EXPECT_FALSE(parseJson("\"\\ud800\""));
  EXPECT_FALSE(parseJson("1e400"));
  EXPECT_EQ(toJson(*parseJson("[1.5,18446744073709551616]")), "[1.5,1.8446744073709552e+19]");
  auto nested = [](int depth) { return std::string(depth, '[') + "\"]]\"" + std::string(depth, ']'); };
  EXPECT_TRUE(parseJson(nested(kMaxJsonDepth)));
  // Deeper: refused, so no printing or copying of it can run out of stack (nlohmann's parser
  // would read it, as it does not recurse).
  EXPECT_FALSE(parseJson(nested(kMaxJsonDepth + 1)));
  EXPECT_FALSE(parseJson(nested(100000)));
  EXPECT_EQ(toJson(*parseJson("[" + nested(kMaxJsonDepth - 1) + ",1e0]")).size(), 2 * kMaxJsonDepth + 8);
}

}  // namespace
}  // namespace swingset
