#pragma once
// A heap snapshot held in an anonymous memory file (memfd): where a worker writes a snapshot and
// what new workers read one from. Workers open the file by its /proc path, each at its own
// offset, so there is no pipe to feed, nothing to copy through the kernel process, and nothing to
// deadlock on.
#include <cstdint>
#include <functional>
#include <string>

#include "base/fd.h"

namespace swingset {

class SnapshotBuffer final {
 public:
  SnapshotBuffer();
  ~SnapshotBuffer();
  SnapshotBuffer(const SnapshotBuffer&) = delete;
  SnapshotBuffer& operator=(const SnapshotBuffer&) = delete;
  // The file by a path another process of ours can open, to read or (truncating it) to write.
  std::string path() const;
  // While a worker writes the file through path(): how much it has written, and those bytes.
  uint64_t fileSize() const;
  size_t readAt(uint64_t offset, char* out, size_t n) const;
  // After it has: takes its `size` bytes as the contents. False if the file holds another number.
  bool written(uint64_t size);
  // Replaces the contents with `size` bytes that `produce` writes in place. The mapping is kept,
  // so refilling a buffer with a heap of about the same size faults in no new pages: the warehouse
  // reuses a few buffers for all its loads.
  void refill(uint64_t size, const std::function<void(char*)>& produce);
  uint64_t size() const { return size_; }
  // A copy of the contents. Not a mapping: the pages of a snapshot waiting for its gzip would
  // count in the kernel process's RSS as long as it waits.
  std::string readAll() const;

 private:
  Fd fd_;
  uint64_t size_ = 0;
  char* map_ = nullptr;  // refill()'s mapping of the first mapped_ bytes
  uint64_t mapped_ = 0;
};

}  // namespace swingset
