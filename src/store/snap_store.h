#pragma once
// Heap snapshots (table snapshots; reference/swing-store.md). Each vat has at most one row in use
// (inUse = 1); older rows keep their metadata with inUse and compressedSnapshot NULL. The hash is
// sha256hex of the raw bytes; the blob is gzip. Owned by SwingStore.
//
// Saving can be two steps, so that compression runs off the kernel thread: gzip() on any thread,
// then insertSnapshot() on the store's thread before the next commit (the Db stays one-thread).
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "store/deletion_progress.h"

namespace swingset {

class Db;

struct SnapshotInfo {
  uint64_t snapPos = 0;
  std::string hash;  // sha256hex of the raw bytes
  uint64_t uncompressedSize = 0;
  uint64_t compressedSize = 0;
  bool operator==(const SnapshotInfo&) const = default;
};

class SnapStore {
 public:
  explicit SnapStore(Db& db) : db_(db) {}
  SnapStore(const SnapStore&) = delete;
  SnapStore& operator=(const SnapStore&) = delete;

  // Calls produce(out) to write the raw snapshot, then stores it as the vat's snapshot in use.
  SnapshotInfo saveSnapshot(std::string_view vatID, uint64_t snapPos,
                            const std::function<void(std::ostream& out)>& produce);
  // The raw bytes of the snapshot in use. Panics, naming the vat and hash, if the bytes do not
  // match the stored hash, or if the vat has no snapshot.
  std::string loadSnapshot(std::string_view vatID);
  std::optional<SnapshotInfo> getSnapshotInfo(std::string_view vatID);
  // The snapshot in use, still compressed: read on the store's thread, inflated on any thread.
  struct CompressedSnapshot {
    SnapshotInfo info;
    std::string gzip;
  };
  std::optional<CompressedSnapshot> readCompressed(std::string_view vatID);
  // The raw bytes, checked against the hash. Touches no Db; panics if they do not match.
  static std::string inflate(const CompressedSnapshot& c, std::string_view vatID);
  // The same into `out`, which has room for exactly c.info.uncompressedSize bytes.
  static void inflateInto(const CompressedSnapshot& c, std::string_view vatID, char* out);
  // The vat has no snapshot in use afterwards (upgrade, termination).
  void stopUsingLastSnapshot(std::string_view vatID);
  // Deletes up to `budget` of the vat's snapshot rows; done when none remain.
  DeletionProgress deleteVatSnapshots(std::string_view vatID, uint64_t budget);

  // The compressed form of a raw snapshot, as saveSnapshot stores it. Touches no Db, so it may run
  // on another thread (the kernel compresses off its critical path, then calls insertSnapshot).
  static std::string gzip(std::string_view raw);
  // The second step of saving: `gzip` is the compressed form of raw bytes with `info.hash`. The
  // row's compressedSize is gzip's size, whatever info.compressedSize says.
  void insertSnapshot(std::string_view vatID, const SnapshotInfo& info, std::string_view gzip);

 private:
  Db& db_;  // owned by SwingStore
};

}  // namespace swingset
