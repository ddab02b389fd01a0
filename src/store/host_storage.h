#pragma once
// The host's view of a SwingStore: host. keys and the one commit point. A store latched broken
// (markBroken, or any KernelPanic from a store operation) refuses to commit, so a half-done crank
// never becomes durable.
#include "swingset/errors.h"

namespace swingset {

class KVStore;

class HostStorage {
 public:
  virtual ~HostStorage() = default;
  virtual KVStore& kv() = 0;  // writes only host. keys
  // Commits every write since the last commit. Throws KernelPanic if the store is broken or a
  // crank is open.
  virtual void commit() = 0;
  // Closes the database, abandoning uncommitted writes. Later calls on any facet panic.
  virtual void close() = 0;
};

}  // namespace swingset
