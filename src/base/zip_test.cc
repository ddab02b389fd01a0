#include "base/zip.h"

#include <gtest/gtest.h>

namespace swingset {
namespace {

const std::vector<ZipFile> kFiles = {{"compartment-map.json", "{}"},
                                     {"pkg-v1/index.js", "export default 1;\n"},
                                     {"pkg-v1/empty.js", ""}};

std::vector<ZipEntry> mustRead(std::string_view z) {
  std::string error;
  auto e = readZip(z, error);
  EXPECT_TRUE(e) << error;
  return e.value_or(std::vector<ZipEntry>{});
}

std::string readError(std::string_view z) {
  std::string error;
  EXPECT_FALSE(readZip(z, error));
  return error;
}

TEST(ZipTest, WriteThenReadRoundTrips) {
  std::string z = writeZip(kFiles);
  std::vector<ZipEntry> e = mustRead(z);
  ASSERT_EQ(e.size(), kFiles.size());
  for (size_t i = 0; i < e.size(); i++) {
    EXPECT_EQ(e[i].name, kFiles[i].name);
    EXPECT_EQ(e[i].data, kFiles[i].data);
  }
  EXPECT_TRUE(mustRead(writeZip({})).empty());
}

TEST(ZipTest, EveryTruncationIsAnError) {
  std::string z = writeZip(kFiles);
  for (size_t n = 0; n < z.size(); n++) EXPECT_FALSE(readError(z.substr(0, n)).empty()) << n;
}

TEST(ZipTest, ByteFlipsNeverCrashAndDataFlipsAreCaught) {
  std::string z = writeZip(kFiles);
  std::string error;
  for (size_t i = 0; i < z.size(); i++) {
    std::string bad = z;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    (void)readZip(bad, error);  // must not crash or read out of bounds
  }
  size_t dataAt = z.find("export default");
  std::string bad = z;
  bad[dataAt] = 'E';
  EXPECT_NE(readError(bad).find("CRC-32"), std::string::npos);
}

TEST(ZipTest, RejectsCompressionCommentsBadOffsetsAndDuplicates) {
  std::string z = writeZip(kFiles);
  std::string deflated = z;
  deflated[8] = 8;  // first local header's method
  size_t central = z.find("PK\x01\x02");
  deflated[central + 10] = 8;
  EXPECT_NE(readError(deflated).find("compression method 8"), std::string::npos);

  std::string commented = z;
  commented[commented.size() - 2] = 1;
  commented += "x";
  EXPECT_FALSE(readError(commented).empty());

  std::string badOffset = z;
  badOffset[central + 42] = 0x7f;  // local header offset of the first entry
  EXPECT_FALSE(readError(badOffset).empty());

  EXPECT_NE(readError(writeZip({{"a", "1"}, {"a", "2"}})).find("duplicate"), std::string::npos);
}

}  // namespace
}  // namespace swingset
