#include "base/sha.h"

#include <gtest/gtest.h>

namespace swingset {
namespace {

TEST(ShaTest, KnownVectors) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha512Hex("abc").substr(0, 16), "ddaf35a193617aba");
  // swing-store's empty-span hash seed (reference/swing-store.md).
  EXPECT_EQ(sha256Hex("start of transcript span").size(), 64u);
}

TEST(ShaTest, StreamingEqualsOneShot) {
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.hexDigest(), sha256Hex("abc"));
}

}  // namespace
}  // namespace swingset
