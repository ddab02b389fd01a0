#include "store/snap_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>
#include <zlib.h>

#include <random>

#include "base/sha.h"
#include "store/sqlite.h"
#include "store/swing_store.h"
#include "store/test_util.h"

namespace swingset {
namespace {

using testing::TempDir;

class SnapStoreTest : public ::testing::Test {
 protected:
  // Commits the store's writes and returns a second connection to the same file.
  std::unique_ptr<Db> rawDb() {
    store_->hostStorage().commit();
    return std::make_unique<Db>((dir_.path() / "swingstore.sqlite").string(),
                                SQLITE_OPEN_READWRITE);
  }
  SnapshotInfo save(std::string_view vat, uint64_t pos, const std::string& raw) {
    return snaps_.saveSnapshot(vat, pos, [&](std::ostream& out) {
      for (size_t i = 0; i < raw.size(); i += 1000)
        out.write(raw.data() + i, std::min<size_t>(1000, raw.size() - i));
    });
  }

  TempDir dir_;
  std::unique_ptr<SwingStore> store_ = SwingStore::open(dir_.path());
  SnapStore& snaps_ = store_->kernelStorage().snapshots();
};

std::string someSnapshot(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  for (size_t i = 0; i < n; i++) s += static_cast<char>(i % 7 == 0 ? rng() & 0xff : 'x');
  return s;
}

TEST_F(SnapStoreTest, RoundTripStoresGzipAndChecksHash) {
  std::string raw = someSnapshot(300000, 1);
  SnapshotInfo info = save("v1", 4, raw);
  EXPECT_EQ(info.snapPos, 4u);
  EXPECT_EQ(info.hash, sha256Hex(raw));
  EXPECT_EQ(info.uncompressedSize, raw.size());
  EXPECT_LT(info.compressedSize, raw.size());
  EXPECT_EQ(snaps_.getSnapshotInfo("v1"), info);
  EXPECT_EQ(snaps_.loadSnapshot("v1"), raw);

  auto db = rawDb();
  Statement& s = db->prepare("SELECT compressedSnapshot FROM snapshots WHERE vatID = 'v1'");
  ASSERT_TRUE(s.step());
  std::string_view blob = s.columnBlob(0);
  EXPECT_EQ(blob.size(), info.compressedSize);
  EXPECT_EQ(blob.substr(0, 2), "\x1f\x8b");  // gzip magic
  s.reset();
}

// The warehouse hashes a snapshot on the kernel thread and gzips it on another, so it inserts
// with the compressed size still unknown (0): the row must record the real one.
TEST_F(SnapStoreTest, InsertRecordsTheCompressedSize) {
  std::string raw = someSnapshot(100000, 4);
  std::string gz = SnapStore::gzip(raw);
  snaps_.insertSnapshot("v1", SnapshotInfo{7, sha256Hex(raw), raw.size(), 0}, gz);
  EXPECT_EQ(snaps_.getSnapshotInfo("v1"), (SnapshotInfo{7, sha256Hex(raw), raw.size(), gz.size()}));
  EXPECT_EQ(snaps_.readCompressed("v1")->info.compressedSize, gz.size());
  EXPECT_EQ(snaps_.loadSnapshot("v1"), raw);
}

TEST_F(SnapStoreTest, EmptySnapshotRoundTrips) {
  SnapshotInfo info = save("v1", 0, "");
  EXPECT_EQ(info.hash, sha256Hex(""));
  EXPECT_EQ(snaps_.loadSnapshot("v1"), "");
}

TEST_F(SnapStoreTest, NewSnapshotRetiresThePreviousRow) {
  save("v1", 2, someSnapshot(1000, 1));
  std::string second = someSnapshot(2000, 2);
  save("v1", 6, second);
  EXPECT_EQ(snaps_.getSnapshotInfo("v1")->snapPos, 6u);
  EXPECT_EQ(snaps_.loadSnapshot("v1"), second);
  auto db = rawDb();
  Statement& s = db->prepare(
      "SELECT inUse IS NULL, compressedSnapshot IS NULL FROM snapshots WHERE snapPos = 2");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.columnInt64(0), 1);
  EXPECT_EQ(s.columnInt64(1), 1);
  s.reset();

  snaps_.stopUsingLastSnapshot("v1");
  EXPECT_EQ(snaps_.getSnapshotInfo("v1"), std::nullopt);
  EXPECT_THROW(snaps_.loadSnapshot("v1"), KernelPanic);
}

TEST_F(SnapStoreTest, CorruptBlobsPanicNamingVatAndHash) {
  SnapshotInfo v1 = save("v1", 1, someSnapshot(5000, 1));
  save("v2", 1, someSnapshot(5000, 2));
  auto db = rawDb();
  // v1 gets valid gzip of other bytes, which only the hash check can catch; v2 gets a truncation.
  db->exec(
      "UPDATE snapshots SET compressedSnapshot = "
      "(SELECT compressedSnapshot FROM snapshots WHERE vatID = 'v2') WHERE vatID = 'v1'");
  db->exec(
      "UPDATE snapshots SET compressedSnapshot = substr(compressedSnapshot, 1, 100) "
      "WHERE vatID = 'v2'");
  try {
    snaps_.loadSnapshot("v1");
    ADD_FAILURE() << "corrupt snapshot loaded";
  } catch (const KernelPanic& e) {
    EXPECT_NE(std::string(e.what()).find("v1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(v1.hash), std::string::npos) << e.what();
  }
  EXPECT_THROW(snaps_.loadSnapshot("v2"), KernelPanic);  // truncated gzip
}

// Our gzip is libdeflate's, but a store may hold zlib's (Node's, in swing-store; earlier builds):
// both directions must read as standard gzip.
TEST_F(SnapStoreTest, ReadsZlibGzipAndWritesGzipZlibReads) {
  std::string raw = someSnapshot(200000, 3);
  std::string zgz(compressBound(raw.size()) + 64, '\0');
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(zgz.data());
  z.avail_out = static_cast<uInt>(zgz.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  zgz.resize(z.total_out);
  deflateEnd(&z);
  snaps_.insertSnapshot("v1", SnapshotInfo{1, sha256Hex(raw), raw.size(), 0}, zgz);
  EXPECT_EQ(snaps_.loadSnapshot("v1"), raw);

  std::string ours = SnapStore::gzip(raw);
  std::string back(raw.size(), '\0');
  z_stream u{};
  ASSERT_EQ(inflateInit2(&u, 15 + 16), Z_OK);
  u.next_in = reinterpret_cast<Bytef*>(ours.data());
  u.avail_in = static_cast<uInt>(ours.size());
  u.next_out = reinterpret_cast<Bytef*>(back.data());
  u.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&u, Z_FINISH), Z_STREAM_END);
  inflateEnd(&u);
  EXPECT_EQ(back, raw);
}

}  // namespace
}  // namespace swingset
