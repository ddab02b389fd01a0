#pragma once
// The supervisor snapshot kept between processes: the heap of a worker that has evaluated
// lockdown and the liveslots supervisor, from which every new vat's worker starts (and every vat
// that has no heap snapshot of its own). Building it boots a worker from scratch, ~0.6 s of CPU;
// without this file every process paid that at its first createVat, which made that createVat
// as slow as the JS kernel's.
//
// Not kernel state: a cache in the state directory, which may be deleted at any time. It is keyed
// by the bytes of the xsnap-worker binary and the two bundle IDs, and holds the heap's hash; a file
// with another key, or whose heap does not match its hash, is ignored and replaced. This relies
// on XS heap snapshots being deterministic (SwingSet's consensus relies on it too; worker_test
// checks that two boots give the same bytes).
#include <filesystem>
#include <memory>
#include <string>

#include "worker/snapshot_buffer.h"
#include "worker/worker_packages.h"

namespace swingset {

class SupervisorCache {
 public:
  SupervisorCache(std::filesystem::path file, const WorkerPackages& packages);
  // The cached heap, or nullptr if there is none for these packages or it is damaged.
  std::unique_ptr<SnapshotBuffer> read() const;
  // Best effort: a state directory that cannot be written to only loses the cache.
  void write(SnapshotBuffer& heap, const std::string& hash) const;

 private:
  std::filesystem::path file_;
  std::string key_;
};

}  // namespace swingset
