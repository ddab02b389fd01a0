#include "base/base64.h"

#include <gtest/gtest.h>

namespace swingset {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kCases[] = {{"", ""},
                                                        {"f", "Zg=="},
                                                        {"fo", "Zm8="},
                                                        {"foo", "Zm9v"},
                                                        {"foob", "Zm9vYg=="},
                                                        {"fooba", "Zm9vYmE="},
                                                        {"foobar", "Zm9vYmFy"}};
  for (auto [raw, enc] : kCases) {
    EXPECT_EQ(base64Encode(raw), enc);
    EXPECT_EQ(base64Decode(enc), std::optional<std::string>(raw));
  }
}

TEST(Base64Test, RoundTripsAllByteValues) {
  std::string all;
  for (int i = 0; i < 256; i++) all += static_cast<char>(i);
  for (size_t n = 0; n < 5; n++) {
    std::string s = all.substr(n);
    EXPECT_EQ(base64Decode(base64Encode(s)), s);
  }
  EXPECT_EQ(base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64Test, RejectsMalformedInput) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v\n", "Zm 9",
                          "Zg==Zg==", "=Zg=", "Zh==", "Zm9=", "Zm-v", "Zm9v_A=="}) {
    EXPECT_EQ(base64Decode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace swingset
