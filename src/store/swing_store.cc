#include "store/swing_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "base/fd.h"
#include "base/panic.h"
#include "store/bundle_store.h"
#include "store/crank_hash.h"
#include "store/kv_store.h"
#include "store/snap_store.h"
#include "store/sqlite.h"
#include "store/transcript_store.h"

namespace swingset {
namespace fs = std::filesystem;
namespace {

// The tables of @agoric/swing-store 0.10.0 (reference/swing-store.md §2).
constexpr const char* kSchema = R"(
  CREATE TABLE IF NOT EXISTS kvStore (key TEXT, value TEXT, PRIMARY KEY (key));
  CREATE TABLE IF NOT EXISTS transcriptItems (
    vatID TEXT, position INTEGER, item TEXT, incarnation INTEGER, PRIMARY KEY (vatID, position));
  CREATE TABLE IF NOT EXISTS transcriptSpans (
    vatID TEXT, startPos INTEGER, endPos INTEGER, hash TEXT,
    isCurrent INTEGER CHECK (isCurrent = 1), incarnation INTEGER,
    PRIMARY KEY (vatID, startPos), UNIQUE (vatID, isCurrent));
  CREATE INDEX IF NOT EXISTS currentTranscriptIndex ON transcriptSpans (vatID, isCurrent);
  CREATE TABLE IF NOT EXISTS snapshots (
    vatID TEXT, snapPos INTEGER, inUse INTEGER CHECK (inUse = 1), hash TEXT,
    uncompressedSize INTEGER, compressedSize INTEGER, compressedSnapshot BLOB,
    PRIMARY KEY (vatID, snapPos), UNIQUE (vatID, inUse));
  CREATE TABLE IF NOT EXISTS bundles (bundleID TEXT, bundle BLOB, PRIMARY KEY (bundleID));
  CREATE TABLE IF NOT EXISTS pendingExports (key TEXT, value TEXT, PRIMARY KEY (key));
)";
const std::set<std::string, std::less<>> kTables = {
    "kvStore", "transcriptItems", "transcriptSpans", "snapshots", "bundles", "pendingExports"};

void createSchema(Db& db) {
  db.exec("BEGIN IMMEDIATE");
  db.exec(kSchema);
  db.exec(fmt::format("PRAGMA user_version = {}", SwingStore::kSchemaVersion));
  db.exec("COMMIT");
}

// Reads (never writes) an existing database; returns true if it has no tables yet. Throws
// ConfigError if it is not one of ours. The check costs the same whatever the store holds: it
// reads the header and the schema, not every page (PRAGMA quick_check of a 2 GB store with 1,000
// vats reads 500,000 pages, half a second at every open). Damage elsewhere is found when those
// pages are read: SQLite reports it, the kernel panics naming the file, and nothing is committed.
bool checkExisting(Db& db, const fs::path& file) {
  Statement& count = db.prepare("SELECT count(*) FROM sqlite_master");
  std::string verdict = count.step() ? "ok" : "no answer";
  count.reset();
  if (verdict != "ok") throw ConfigError(fmt::format("{} is corrupt: {}", file.string(), verdict));

  Statement& v = db.prepare("PRAGMA user_version");
  SS_STORE_INSIST(db, v.step(), "PRAGMA user_version returned nothing");
  int64_t version = v.columnInt64(0);
  v.reset();
  if (version > SwingStore::kSchemaVersion)
    throw ConfigError(fmt::format("{} has schema version {}, newer than this build's {}",
                                  file.string(), version, SwingStore::kSchemaVersion));

  std::set<std::string, std::less<>> found;
  Statement& t = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE "
      "'\\'");
  while (t.step()) found.emplace(t.columnText(0));
  for (const std::string& name : found)
    if (!kTables.contains(name))
      throw ConfigError(
          fmt::format("{} has an unexpected table {}: not a swing-store", file.string(), name));
  if (found.empty()) return true;
  for (const std::string& name : kTables)
    if (!found.contains(name))
      throw ConfigError(fmt::format("{} lacks table {}: not a swing-store", file.string(), name));
  return false;
}

}  // namespace

// The host facet: host. keys and commit. Its store is the Impl that owns it.
class HostFacet final : public HostStorage {
 public:
  explicit HostFacet(SwingStore::Impl& store) : store_(store) {}
  KVStore& kv() override;
  void commit() override;
  void close() override;

 private:
  SwingStore::Impl& store_;  // owns us
};

// The store's state, and the kernel facet.
struct SwingStore::Impl final : KernelStorage {
  explicit Impl(std::unique_ptr<Db> d, Fd lock = {}) : processLock(std::move(lock)), db(std::move(d)) {}

  Fd processLock;  // flock'ed: see open()
  std::unique_ptr<Db> db;
  CrankHasher hasher;
  KVStore kernelKv{*db, KVStore::Facet::kKernel, hasher};
  KVStore hostKv{*db, KVStore::Facet::kHost, hasher};
  TranscriptStore transcriptStore{*db};
  SnapStore snapStore{*db};
  BundleStore bundleStore{*db};
  HostFacet host{*this};
  bool inCrank = false;
  std::vector<std::string> savepoints;  // savepoints[i] is SQLite's SAVEPOINT t<i>

  KVStore& kv() override { return kernelKv; }
  TranscriptStore& transcripts() override { return transcriptStore; }
  SnapStore& snapshots() override { return snapStore; }
  BundleStore& bundles() override { return bundleStore; }

  void startCrank() override {
    SS_STORE_INSIST(*db, !inCrank, "startCrank while already in a crank");
    inCrank = true;
    hasher.reset();
  }

  void establishCrankSavepoint(std::string_view name) override {
    SS_STORE_INSIST(*db, inCrank, "establishCrankSavepoint({}) outside a crank", name);
    // The savepoint must be inside our transaction, or releasing it would autocommit.
    db->ensureTxn();
    db->exec(fmt::format("SAVEPOINT t{}", savepoints.size()));
    savepoints.emplace_back(name);
  }

  void rollbackCrank(std::string_view name) override {
    SS_STORE_INSIST(*db, inCrank, "rollbackCrank({}) outside a crank", name);
    for (size_t i = 0; i < savepoints.size(); i++) {  // the first match, as swing-store does
      if (savepoints[i] == name) {
        db->exec(fmt::format("ROLLBACK TO SAVEPOINT t{}", i));
        savepoints.resize(i);
        return;
      }
    }
    db->panic(fmt::format("no such savepoint as \"{}\"", name));
  }

  std::string endCrank() override {
    SS_STORE_INSIST(*db, inCrank, "endCrank outside a crank");
    std::string activity = nextActivityHash(getActivityHash(), hasher.finish());
    kernelKv.setRaw("activityhash", activity);  // not itself hashed
    if (!savepoints.empty()) {
      db->exec("RELEASE SAVEPOINT t0");
      savepoints.clear();
    }
    inCrank = false;
    return activity;
  }

  std::string getActivityHash() override { return kernelKv.get("activityhash").value_or(""); }

  void markBroken(std::string_view why) noexcept override { db->markBroken(why); }
  void requireNotBroken() const override {
    if (db->brokenReason()) throw KernelPanic("swing-store is broken: " + *db->brokenReason());
  }

  void commit() {
    requireNotBroken();
    SS_STORE_INSIST(*db, !inCrank, "commit() inside a crank");
    if (db->inTxn()) db->exec("COMMIT");
  }
};

KVStore& HostFacet::kv() { return store_.hostKv; }
void HostFacet::commit() { store_.commit(); }
void HostFacet::close() {
  store_.db->close();
  store_.processLock.reset();
}

SwingStore::SwingStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SwingStore::~SwingStore() = default;
KernelStorage& SwingStore::kernelStorage() { return *impl_; }
HostStorage& SwingStore::hostStorage() { return impl_->host; }

std::unique_ptr<SwingStore> SwingStore::openInMemory() {
  auto db = std::make_unique<Db>(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  createSchema(*db);
  return std::unique_ptr<SwingStore>(new SwingStore(std::make_unique<Impl>(std::move(db))));
}

// A flock belongs to the open file description, which a worker being spawned shares from
// posix_spawn's clone until its exec closes it. So a host killed while it spawns a worker leaves
// its lock held for a moment after it is gone: up to 17 ms on a loaded machine, seen by the crash
// test as a restarted host refused with "in use". A refused lock is tried again for a while before
// it counts as another process's.
static bool lockExclusively(int fd) {
  constexpr auto kGrace = std::chrono::milliseconds(500);
  auto until = std::chrono::steady_clock::now() + kGrace;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::unique_ptr<SwingStore> SwingStore::open(const fs::path& dir) {
  const fs::path file = dir / kFileName;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec))
      throw ConfigError(fmt::format("state directory {} is not a directory", dir.string()));
    if (!fs::exists(file, ec) && !fs::is_empty(dir, ec))
      throw ConfigError(
          fmt::format("state directory {} is not empty and has no {}: not a swing-store",
                      dir.string(), kFileName));
  } else if (!fs::create_directories(dir, ec)) {
    throw ConfigError(
        fmt::format("cannot create state directory {}: {}", dir.string(), ec.message()));
  }
  const bool existed = fs::exists(file, ec);
  if (existed && !fs::is_regular_file(file, ec))
    throw ConfigError(fmt::format("{} is not a regular file", file.string()));

  std::unique_ptr<Db> db;
  bool empty = true;
  // catch: SQLite reports a foreign or damaged file as an error on first read. Here that is the
  // operator's bad input (ConfigError), not a kernel panic, and there is no store yet to latch.
  try {
    db = std::make_unique<Db>(file.string(),
                              SQLITE_OPEN_READWRITE | (existed ? 0 : SQLITE_OPEN_CREATE));
    if (existed) empty = checkExisting(*db, file);
  } catch (const KernelPanic& e) {
    throw ConfigError(
        fmt::format("{} is not a usable swing-store database: {}", file.string(), e.what()));
  }
  // One process per store. A second kernel on the same file would interleave its commits with
  // ours (SQLite serializes transactions, not kernels): two histories in one DB. flock, apart from
  // SQLite's own fcntl locks: held while the store is open, dropped by the OS when the process
  // dies (kill -9 included), and close-on-exec, so no worker keeps it.
  Fd lock(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!lock || !lockExclusively(lock.get())) {
    throw ConfigError(fmt::format("{} is in use by another process (a swingset host or run on the same state directory)",
                                  file.string()));
  }
  db->exec("PRAGMA busy_timeout = 5000");
  // A no-op for our own files, which are already in WAL mode.
  db->exec("PRAGMA journal_mode = WAL");
  db->exec("PRAGMA synchronous = FULL");
  // Debian's SQLite is built with SQLITE_SECURE_DELETE: every delete (each crank's queue item, each
  // replaced snapshot) would also write zeros over the freed pages. swing-store's SQLite does not.
  db->exec("PRAGMA secure_delete = OFF");
  if (empty) createSchema(*db);
  return std::unique_ptr<SwingStore>(new SwingStore(std::make_unique<Impl>(std::move(db), std::move(lock))));
}

}  // namespace swingset
