#include "store/snap_store.h"

#include <libdeflate.h>
#include <sqlite3.h>

#include <memory>
#include <sstream>

#include "base/sha.h"
#include "store/sqlite.h"

namespace swingset {
namespace {

// Snapshots are gzip, as in swing-store, made and read whole with libdeflate: it inflates a 10 MB
// heap in ~11 ms (zlib: ~22 ms), on the path of every vat load, and at level 1 compresses it in
// ~50 ms (zlib's default level: ~290 ms) for ~13% more bytes. A commit waits for the gzip of the
// snapshots its run took, and a new vat takes its first after 3 deliveries: that wait is part of
// every createVat.
constexpr int kGzipLevel = 1;

}  // namespace

SnapshotInfo SnapStore::saveSnapshot(std::string_view vatID, uint64_t snapPos,
                                     const std::function<void(std::ostream& out)>& produce) {
  std::ostringstream out;
  produce(out);
  SS_STORE_INSIST(db_, out.good(), "writing the snapshot of {} failed", vatID);
  std::string raw = std::move(out).str();
  SnapshotInfo info{snapPos, sha256Hex(raw), raw.size(), 0};
  std::string gz = gzip(raw);
  info.compressedSize = gz.size();
  insertSnapshot(vatID, info, gz);
  return info;
}

std::string SnapStore::gzip(std::string_view raw) {
  std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> c(
      libdeflate_alloc_compressor(kGzipLevel), libdeflate_free_compressor);
  SS_INSIST(c, "libdeflate_alloc_compressor failed");
  std::string out(libdeflate_gzip_compress_bound(c.get(), raw.size()), '\0');
  size_t n = libdeflate_gzip_compress(c.get(), raw.data(), raw.size(), out.data(), out.size());
  SS_INSIST(n > 0, "gzip of a {}-byte snapshot failed", raw.size());
  out.resize(n);
  out.shrink_to_fit();  // a pending snapshot holds this until stored: ~4x less than the bound
  return out;
}

void SnapStore::insertSnapshot(std::string_view vatID, const SnapshotInfo& info,
                               std::string_view gzip) {
  db_.ensureTxn();
  stopUsingLastSnapshot(vatID);
  db_.prepare(
         "INSERT INTO snapshots (vatID, snapPos, inUse, hash, uncompressedSize, "
         "compressedSize, compressedSnapshot) VALUES (?, ?, 1, ?, ?, ?, ?)")
      .bindText(1, vatID)
      .bindInt64(2, static_cast<int64_t>(info.snapPos))
      .bindText(3, info.hash)
      .bindInt64(4, static_cast<int64_t>(info.uncompressedSize))
      .bindInt64(5, static_cast<int64_t>(gzip.size()))
      .bindBlob(6, gzip)
      .run();
}

void SnapStore::stopUsingLastSnapshot(std::string_view vatID) {
  db_.ensureTxn();
  db_.prepare(
         "UPDATE snapshots SET inUse = NULL, compressedSnapshot = NULL "
         "WHERE vatID = ? AND inUse = 1")
      .bindText(1, vatID)
      .run();
}

DeletionProgress SnapStore::deleteVatSnapshots(std::string_view vatID, uint64_t budget) {
  db_.ensureTxn();
  DeletionProgress p;
  Statement& del = db_.prepare(
      "DELETE FROM snapshots WHERE rowid IN (SELECT rowid FROM snapshots WHERE vatID = ? LIMIT ?)");
  del.bindText(1, vatID).bindInt64(2, static_cast<int64_t>(budget)).run();
  p.cleanups = static_cast<uint64_t>(sqlite3_changes(db_.raw()));
  Statement& left = db_.prepare("SELECT 1 FROM snapshots WHERE vatID = ? LIMIT 1");
  p.done = !left.bindText(1, vatID).step();
  left.reset();
  return p;
}

std::optional<SnapshotInfo> SnapStore::getSnapshotInfo(std::string_view vatID) {
  Statement& s = db_.prepare(
      "SELECT snapPos, hash, uncompressedSize, compressedSize "
      "FROM snapshots WHERE vatID = ? AND inUse = 1");
  s.bindText(1, vatID);
  if (!s.step()) return std::nullopt;
  SnapshotInfo info{static_cast<uint64_t>(s.columnInt64(0)), std::string(s.columnText(1)),
                    static_cast<uint64_t>(s.columnInt64(2)),
                    static_cast<uint64_t>(s.columnInt64(3))};
  s.reset();
  return info;
}

// Inflates `gz` into `out`, which has room for exactly `size` bytes, and checks them against
// `hash` and `size`. Touches no Db (it may run on a preload thread); a corrupt snapshot is a
// KernelPanic.
static void inflateChecked(std::string_view gz, const std::string& hash, uint64_t size, std::string_view vatID,
                           char* out) {
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(libdeflate_alloc_decompressor(),
                                                                                 libdeflate_free_decompressor);
  SS_INSIST(d, "libdeflate_alloc_decompressor failed");
  size_t got = 0;
  libdeflate_result rc = libdeflate_gzip_decompress(d.get(), gz.data(), gz.size(), out, size, &got);
  SS_INSIST(rc == LIBDEFLATE_SUCCESS, "snapshot of {} (hash {}) is not valid gzip of {} bytes: {}", vatID, hash, size,
            rc == LIBDEFLATE_INSUFFICIENT_SPACE ? "it inflates to more" : "bad or truncated data");
  std::string actual = sha256Hex(std::string_view(out, got));
  SS_INSIST(actual == hash && got == size, "snapshot of {} is corrupt: expected hash {} ({} bytes), got {} ({} bytes)",
            vatID, hash, size, actual, got);
}

std::string SnapStore::loadSnapshot(std::string_view vatID) {
  std::optional<CompressedSnapshot> c = readCompressed(vatID);
  SS_STORE_INSIST(db_, c.has_value(), "no snapshot in use for {}", vatID);
  try {
    return inflate(*c, vatID);
  } catch (const KernelPanic& e) {  // a corrupt snapshot latches the store, like any store failure
    db_.markBroken(e.what());
    throw;
  }
}

std::optional<SnapStore::CompressedSnapshot> SnapStore::readCompressed(std::string_view vatID) {
  Statement& s = db_.prepare(
      "SELECT snapPos, hash, uncompressedSize, compressedSize, compressedSnapshot FROM snapshots "
      "WHERE vatID = ? AND inUse = 1");
  s.bindText(1, vatID);
  if (!s.step()) {
    s.reset();
    return std::nullopt;
  }
  CompressedSnapshot c{{static_cast<uint64_t>(s.columnInt64(0)), std::string(s.columnText(1)),
                        static_cast<uint64_t>(s.columnInt64(2)), static_cast<uint64_t>(s.columnInt64(3))},
                       std::string(s.columnBlob(4))};
  s.reset();
  return c;
}

std::string SnapStore::inflate(const CompressedSnapshot& c, std::string_view vatID) {
  std::string raw(c.info.uncompressedSize, '\0');
  inflateInto(c, vatID, raw.data());
  return raw;
}

void SnapStore::inflateInto(const CompressedSnapshot& c, std::string_view vatID, char* out) {
  inflateChecked(c.gzip, c.info.hash, c.info.uncompressedSize, vatID, out);
}

}  // namespace swingset
