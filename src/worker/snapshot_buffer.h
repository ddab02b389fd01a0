#pragma once
// A heap snapshot held in an anonymous memory file (memfd). It is both where a worker writes a
// snapshot (a SnapshotSink) and what a new worker reads one from (`-r @8`): the child gets a dup
// of the fd, so there is no pipe to feed and nothing to deadlock on.
#include <functional>
#include <string>

#include "base/fd.h"
#include "worker/worker.h"

namespace swingset {

class SnapshotBuffer final : public SnapshotSink {
 public:
  SnapshotBuffer();
  void write(const char* data, size_t size) override;
  // Makes the buffer `size` bytes long and lets `produce` write all of them in place (no copy
  // through a write()); only on an empty buffer.
  void fill(uint64_t size, const std::function<void(char*)>& produce);
  // The fd, positioned at the start: hand it to XsnapWorker::startFromSnapshot. Each call
  // rewinds, so one buffer can start several workers one after another.
  int rewound();
  // A new descriptor of the same memory file with its own offset (at the start), so several
  // workers may read the snapshot at once.
  Fd reader() const;
  uint64_t size() const { return size_; }
  std::string readAll();  // for tests and the snapStore

 private:
  Fd fd_;
  uint64_t size_ = 0;
};

}  // namespace swingset
