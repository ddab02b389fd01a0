#pragma once
// The kernel's view of a SwingStore: it can write and roll back inside a crank, but it has no
// commit(); only the host's HostStorage has one. A crank is startCrank(), any number of named
// savepoints, then endCrank(); nothing is durable until the host commits.
#include <string>
#include <string_view>

#include "swingset/errors.h"

namespace swingset {

class BundleStore;
class KVStore;
class SnapStore;
class TranscriptStore;

class KernelStorage {
 public:
  virtual ~KernelStorage() = default;
  virtual KVStore& kv() = 0;  // refuses host. keys; consensus-key writes feed the crank hash
  virtual TranscriptStore& transcripts() = 0;
  virtual SnapStore& snapshots() = 0;
  virtual BundleStore& bundles() = 0;

  virtual void startCrank() = 0;  // resets the crank hasher
  // A SQLite SAVEPOINT named `name` within the crank (names may repeat; the latest wins).
  virtual void establishCrankSavepoint(std::string_view name) = 0;
  // Undoes every store write since `name` was established, and drops later savepoints. As in
  // swing-store, the crank hasher keeps the rolled-back writes: the JS activityhash includes them.
  virtual void rollbackCrank(std::string_view name) = 0;
  // Folds the crank hash into the activity hash, stores it under `activityhash`, returns it.
  virtual std::string endCrank() = 0;
  virtual std::string getActivityHash() = 0;  // "" before the first crank

  virtual void markBroken(std::string_view why) noexcept = 0;  // one-way; commit() then throws
  virtual void requireNotBroken() const = 0;  // throws KernelPanic with the latched reason
};

}  // namespace swingset
