#include "base/file.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace swingset {
namespace {

class FileTest : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = std::filesystem::path(::testing::TempDir()) / ("file_test." + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
};

TEST_F(FileTest, ReadsBackWhatWasWrittenByteForByte) {
  std::string bytes;
  for (int i = 0; i < 300000; i++) bytes += static_cast<char>(i * 7);  // past any one read's size
  for (std::string_view want : {std::string_view(bytes), std::string_view(""), std::string_view("\0x", 2)}) {
    ASSERT_EQ(writeFileAtomically(dir_ / "f", want), "");
    EXPECT_EQ(readFile(dir_ / "f"), std::optional<std::string>(want));
  }
}

TEST_F(FileTest, AFileWhoseSizeStatDoesNotKnowIsReadWhole) {
  // /proc files stat as empty; their text is still there.
  std::optional<std::string> status = readFile("/proc/self/status");
  ASSERT_TRUE(status);
  EXPECT_NE(status->find("Pid:"), std::string::npos);
}

TEST_F(FileTest, WhatCannotBeReadIsNullopt) {
  EXPECT_EQ(readFile(dir_ / "missing"), std::nullopt);
  EXPECT_EQ(readFile(dir_), std::nullopt);  // a directory
}

}  // namespace
}  // namespace swingset
