#pragma once
// One swing-store state: a single SQLite database (dir/swingstore.sqlite) holding kvStore,
// transcripts, snapshots and bundles, with the same tables as @agoric/swing-store so JS tools can
// read it. It owns the connection and hands out two facets: KernelStorage (cranks, no commit)
// and HostStorage (commit). Writes open `BEGIN IMMEDIATE` lazily; only commit() makes them durable.
#include <filesystem>
#include <memory>

#include "store/host_storage.h"
#include "store/kernel_storage.h"

namespace swingset {

class SwingStore {
 public:
  static constexpr const char* kFileName = "swingstore.sqlite";  // in the state directory

  // Creates `dir` and the database if absent. Throws ConfigError naming the path, having written
  // nothing, if `dir` holds something else (non-empty without swingstore.sqlite), the file is not
  // a sound SQLite database, its schema version is newer than ours, or it has tables we do not
  // know. Opening an existing store writes nothing until the first write.
  static std::unique_ptr<SwingStore> open(const std::filesystem::path& dir);
  static std::unique_ptr<SwingStore> openInMemory();
  ~SwingStore();
  SwingStore(const SwingStore&) = delete;
  SwingStore& operator=(const SwingStore&) = delete;

  KernelStorage& kernelStorage();
  HostStorage& hostStorage();

  static constexpr int kSchemaVersion = 1;  // PRAGMA user_version
  struct Impl;                              // swing_store.cc

 private:
  explicit SwingStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swingset
