#include "store/snap_store.h"

#include <sqlite3.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <streambuf>

#include "base/sha.h"
#include "store/sqlite.h"

namespace swingset {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip header and trailer

// The first step of saving: an output stream buffer that hashes the raw bytes and gzips them as
// they are written.
class SnapshotSink : public std::streambuf {
 public:
  explicit SnapshotSink(Db& db) : db_(db) {
    z_.zalloc = Z_NULL;
    z_.zfree = Z_NULL;
    z_.opaque = Z_NULL;
    SS_STORE_INSIST(db_,
                    deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                                 Z_DEFAULT_STRATEGY) == Z_OK,
                    "deflateInit2 failed");
    setp(buf_, buf_ + sizeof buf_);
  }
  ~SnapshotSink() override { deflateEnd(&z_); }

  // Flushes and returns {hash, sizes} with the gzip bytes in `gzip`.
  SnapshotInfo finish(uint64_t snapPos, std::string& gzip) {
    drain();
    deflateChunk({}, Z_FINISH);
    gzip = std::move(out_);
    return {snapPos, sha_.hexDigest(), rawSize_, gzip.size()};
  }

 protected:
  int overflow(int c) override {
    drain();
    if (c != traits_type::eof()) {
      *pptr() = static_cast<char>(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    drain();
    return 0;
  }

 private:
  void drain() {
    std::string_view raw(pbase(), static_cast<size_t>(pptr() - pbase()));
    sha_.update(raw);
    rawSize_ += raw.size();
    deflateChunk(raw, Z_NO_FLUSH);
    setp(buf_, buf_ + sizeof buf_);
  }

  void deflateChunk(std::string_view in, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    char chunk[1 << 16];
    int rc = Z_OK;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(chunk);
      z_.avail_out = sizeof chunk;
      rc = deflate(&z_, flush);
      SS_STORE_INSIST(db_, rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR,
                      "deflate failed: {}", rc);
      out_.append(chunk, sizeof chunk - z_.avail_out);
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }

  Db& db_;
  z_stream z_{};
  Sha256 sha_;
  uint64_t rawSize_ = 0;
  std::string out_;
  char buf_[1 << 16];
};

}  // namespace

SnapshotInfo SnapStore::saveSnapshot(std::string_view vatID, uint64_t snapPos,
                                     const std::function<void(std::ostream& out)>& produce) {
  auto sink = std::make_unique<SnapshotSink>(db_);
  std::ostream out(sink.get());
  produce(out);
  SS_STORE_INSIST(db_, out.good(), "writing the snapshot of {} failed", vatID);
  std::string gzip;
  SnapshotInfo info = sink->finish(snapPos, gzip);
  insertSnapshot(vatID, info, gzip);
  return info;
}

std::string SnapStore::gzip(std::string_view raw) {
  z_stream z{};
  SS_INSIST(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK,
            "deflateInit2 failed");
  std::string out(deflateBound(&z, raw.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  SS_INSIST(rc == Z_STREAM_END, "deflate failed: {}", rc);
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

// Inflates `gz`, passing the raw bytes to `chunk`, and checks them against `hash` and `size`.
// Touches no Db (it may run on a preload thread); a corrupt snapshot is a KernelPanic.
static void inflateChecked(std::string_view gz, const std::string& hash, uint64_t size, std::string_view vatID,
                           const std::function<void(std::string_view)>& chunk) {
  z_stream z{};
  SS_INSIST(inflateInit2(&z, kGzipWindowBits) == Z_OK, "inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  Sha256 sha;
  uint64_t got = 0;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    SS_INSIST(rc == Z_OK || rc == Z_STREAM_END, "snapshot of {} (hash {}) is not valid gzip: {}", vatID, hash,
              z.msg ? z.msg : "truncated");
    std::string_view out(buf, sizeof buf - z.avail_out);
    sha.update(out);
    got += out.size();
    chunk(out);
  }
  std::string actual = sha.hexDigest();
  SS_INSIST(actual == hash && got == size, "snapshot of {} is corrupt: expected hash {} ({} bytes), got {} ({} bytes)",
            vatID, hash, size, actual, got);
}

void SnapStore::inflateInUse(std::string_view vatID,
                             const std::function<void(std::string_view)>& chunk) {
  std::optional<CompressedSnapshot> c = readCompressed(vatID);
  SS_STORE_INSIST(db_, c.has_value(), "no snapshot in use for {}", vatID);
  try {
    inflateChecked(c->gzip, c->info.hash, c->info.uncompressedSize, vatID, chunk);
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
  std::string raw;
  raw.reserve(c.info.uncompressedSize);
  inflateChecked(c.gzip, c.info.hash, c.info.uncompressedSize, vatID, [&](std::string_view b) { raw.append(b); });
  return raw;
}

std::string SnapStore::loadSnapshot(std::string_view vatID) {
  std::string raw;
  inflateInUse(vatID, [&](std::string_view c) { raw.append(c); });
  return raw;
}

void SnapStore::loadSnapshotToFd(std::string_view vatID, int fd) {
  inflateInUse(vatID, [&](std::string_view c) {
    while (!c.empty()) {
      ssize_t n = ::write(fd, c.data(), c.size());
      if (n < 0 && errno == EINTR) continue;
      SS_STORE_INSIST(db_, n > 0, "writing the snapshot of {} to fd {}: {}", vatID, fd,
                      std::strerror(errno));
      c.remove_prefix(static_cast<size_t>(n));
    }
  });
}

}  // namespace swingset
