#pragma once
// A heap snapshot held in an anonymous memory file (memfd). It is both where a worker writes a
// snapshot (a SnapshotSink) and what new workers read one from: each opens the file by its /proc
// path, at its own offset, so there is no pipe to feed and nothing to deadlock on.
#include <functional>
#include <string>

#include "base/fd.h"
#include "worker/worker.h"

namespace swingset {

class SnapshotBuffer final : public SnapshotSink {
 public:
  SnapshotBuffer();
  ~SnapshotBuffer() override;
  SnapshotBuffer(const SnapshotBuffer&) = delete;
  SnapshotBuffer& operator=(const SnapshotBuffer&) = delete;
  void write(const char* data, size_t size) override;
  // Replaces the contents with `size` bytes that `produce` writes in place. The mapping is kept,
  // so refilling a buffer with a heap of about the same size faults in no new pages: the warehouse
  // reuses a few buffers for all its loads. Not to be mixed with write().
  void refill(uint64_t size, const std::function<void(char*)>& produce);
  // The memory file, for XsnapWorker::startFromSnapshot; several workers may read it at once.
  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }
  std::string readAll();  // for tests and the snapStore

 private:
  Fd fd_;
  uint64_t size_ = 0;
  char* map_ = nullptr;  // refill()'s mapping of the first mapped_ bytes
  uint64_t mapped_ = 0;
};

}  // namespace swingset
