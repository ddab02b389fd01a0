#include "base/netstring.h"

#include <gtest/gtest.h>

namespace swingset {
namespace {

TEST(NetstringTest, LengthCountsUtf8Bytes) {
  // U+034F is two bytes in UTF-8: the length must say 3, not 2.
  EXPECT_EQ(encodeNetstring("a\xcd\x8f"), "3:a\xcd\x8f,");
  EXPECT_EQ(encodeNetstring(""), "0:,");
}

TEST(NetstringTest, ParserReassemblesFramesSplitAcrossReads) {
  NetstringParser p(100);
  std::string wire = encodeNetstring("hello") + encodeNetstring("") + encodeNetstring("x,y");
  for (char c : wire) p.feed(&c, 1);
  EXPECT_EQ(p.next(), "hello");
  EXPECT_EQ(p.next(), "");
  EXPECT_EQ(p.next(), "x,y");
  EXPECT_EQ(p.next(), std::nullopt);
  EXPECT_TRUE(p.error().empty());
}

TEST(NetstringTest, ParserWaitsForTheTrailingComma) {
  NetstringParser p(100);
  p.feed("5:hello", 7);
  EXPECT_EQ(p.next(), std::nullopt);
  p.feed(",", 1);
  EXPECT_EQ(p.next(), "hello");
}

TEST(NetstringTest, ParserRejectsMalformedInput) {
  NetstringParser bad(100);
  bad.feed("5:hello;", 8);
  EXPECT_EQ(bad.next(), std::nullopt);
  EXPECT_NE(bad.error(), "");

  NetstringParser letters(100);
  letters.feed("x:", 2);
  EXPECT_EQ(letters.next(), std::nullopt);
  EXPECT_NE(letters.error(), "");

  NetstringParser tooBig(4);
  tooBig.feed("5:", 2);
  EXPECT_EQ(tooBig.next(), std::nullopt);
  EXPECT_NE(tooBig.error().find("exceeds"), std::string::npos);
}

}  // namespace
}  // namespace swingset
