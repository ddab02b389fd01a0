#include "kernel/supervisor_cache.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/json.h"
#include "base/sha.h"
#include "support/test_support.h"

namespace swingset {
namespace {

class SupervisorCacheTest : public ::testing::Test {
 protected:
  SupervisorCacheTest() {
    packages_.xsnapWorker = dir_.path() / "xsnap-worker";
    EXPECT_EQ(writeFileAtomically(packages_.xsnapWorker, "a worker binary"), "");
    packages_.lockdown.bundleID = "b0-lockdown";
    packages_.supervisor.bundleID = "b0-supervisor";
    for (uint32_t i = 0; i < 300'000; i++) heapBytes_ += static_cast<char>((i * 7919u) >> 5);
    heap_.refill(heapBytes_.size(), [&](char* p) { heapBytes_.copy(p, heapBytes_.size()); });
  }
  std::filesystem::path file() const { return dir_.path() / "xsnap-supervisor.cache"; }

  testing::TempDir dir_;
  WorkerPackages packages_;
  std::string heapBytes_;
  SnapshotBuffer heap_;
};

TEST_F(SupervisorCacheTest, AWrittenHeapReadsBackWhole) {
  SupervisorCache cache(file(), packages_);
  EXPECT_EQ(cache.read(), nullptr);  // no file yet
  cache.write(heap_, sha256Hex(heapBytes_));
  std::unique_ptr<SnapshotBuffer> back = SupervisorCache(file(), packages_).read();
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->readAll(), heapBytes_);
}

TEST_F(SupervisorCacheTest, AnotherWorkerBinaryOrBundleDoesNotUseIt) {
  SupervisorCache(file(), packages_).write(heap_, sha256Hex(heapBytes_));
  WorkerPackages rebuilt = packages_;
  ASSERT_EQ(writeFileAtomically(rebuilt.xsnapWorker, "another worker binary"), "");
  EXPECT_EQ(SupervisorCache(file(), rebuilt).read(), nullptr);
  ASSERT_EQ(writeFileAtomically(rebuilt.xsnapWorker, "a worker binary"), "");
  rebuilt.supervisor.bundleID = "b0-another-supervisor";
  EXPECT_EQ(SupervisorCache(file(), rebuilt).read(), nullptr);
  EXPECT_NE(SupervisorCache(file(), packages_).read(), nullptr);
}

TEST_F(SupervisorCacheTest, ADamagedFileIsIgnoredAndReplaced) {
  SupervisorCache cache(file(), packages_);
  cache.write(heap_, sha256Hex(heapBytes_));
  std::string bytes = *readFile(file());
  std::string flipped = bytes;
  flipped[flipped.size() / 2] ^= 0x20;
  ASSERT_EQ(writeFileAtomically(file(), flipped), "");
  EXPECT_EQ(cache.read(), nullptr);
  ASSERT_EQ(writeFileAtomically(file(), bytes.substr(0, bytes.size() - 100)), "");  // truncated
  EXPECT_EQ(cache.read(), nullptr);
  cache.write(heap_, sha256Hex("not these bytes"));  // a heap that does not match its hash
  EXPECT_EQ(cache.read(), nullptr);
  cache.write(heap_, sha256Hex(heapBytes_));
  EXPECT_NE(cache.read(), nullptr);
}

TEST_F(SupervisorCacheTest, AHeaderOfTheWrongShapeIsIgnored) {
  SupervisorCache cache(file(), packages_);
  cache.write(heap_, sha256Hex(heapBytes_));
  std::string bytes = *readFile(file());
  std::string body = bytes.substr(bytes.find('\n'));
  Json header = *parseJson(bytes.substr(0, bytes.find('\n')));
  for (auto [field, value] : {std::pair<const char*, Json>{"key", 1}, {"hash", Json::array()}, {"size", -1},
                              {"size", 1ull << 40}, {"key", nullptr}}) {
    Json h = header;
    h[field] = value;
    ASSERT_EQ(writeFileAtomically(file(), toJson(h) + body), "");
    EXPECT_EQ(cache.read(), nullptr) << field << " = " << toJson(value);
  }
  ASSERT_EQ(writeFileAtomically(file(), "[1]" + body), "");
  EXPECT_EQ(cache.read(), nullptr);
  ASSERT_EQ(writeFileAtomically(file(), toJson(header) + body), "");
  EXPECT_NE(cache.read(), nullptr);
}

}  // namespace
}  // namespace swingset
