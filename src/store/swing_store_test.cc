#include "store/swing_store.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/sha.h"
#include "store/kv_store.h"
#include "store/sqlite.h"
#include "store/test_util.h"
#include "store/transcript_store.h"

namespace swingset {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

TEST(SwingStoreTest, RollbackRestoresDataButCrankHashKeepsRolledBackWrites) {
  auto store = SwingStore::openInMemory();
  KernelStorage& k = store->kernelStorage();
  KVStore& kv = k.kv();
  kv.set("kept", "0");
  store->hostStorage().commit();

  k.startCrank();
  k.establishCrankSavepoint("start");
  kv.set("a", "1");
  k.transcripts().initTranscript("v1");
  k.establishCrankSavepoint("deliver");
  kv.set("b", "2");
  kv.remove("kept");
  k.transcripts().addItem("v1", "item");
  k.rollbackCrank("deliver");
  EXPECT_EQ(kv.get("a"), "1");
  EXPECT_EQ(kv.get("b"), std::nullopt);
  EXPECT_EQ(kv.get("kept"), "0");
  EXPECT_EQ(k.transcripts().getCurrentSpanBounds("v1").endPos, 0u);
  kv.set("c", "3");
  k.rollbackCrank("start");
  EXPECT_EQ(kv.get("a"), std::nullopt);
  EXPECT_EQ(kv.get("c"), std::nullopt);
  EXPECT_THROW(k.transcripts().getCurrentSpanBounds("v1"), KernelPanic);
}

TEST(SwingStoreTest, CrankHashIncludesRolledBackWritesAsSwingStoreDoes) {
  // @agoric/swing-store's rollbackCrank() does not reset its crankhasher, so a JS kernel's
  // activityhash covers writes that were rolled back. We must match it (kernel.md §11).
  auto store = SwingStore::openInMemory();
  KernelStorage& k = store->kernelStorage();
  k.startCrank();
  k.establishCrankSavepoint("start");
  k.kv().set("a", "1");
  k.establishCrankSavepoint("deliver");
  k.kv().set("b", "2");
  k.rollbackCrank("deliver");
  k.kv().set("c", "3");
  std::string crank = sha256Hex("add\na\n1\nadd\nb\n2\nadd\nc\n3\n");
  EXPECT_EQ(k.endCrank(), sha256Hex("activityhash\n\n" + crank + "\n"));
  EXPECT_EQ(k.kv().get("b"), std::nullopt);
  EXPECT_EQ(k.kv().get("c"), "3");
}

TEST(SwingStoreTest, CrankRulesAreEnforced) {
  auto store = SwingStore::openInMemory();
  KernelStorage& k = store->kernelStorage();
  k.startCrank();
  EXPECT_THROW(k.rollbackCrank("nope"), KernelPanic);
  EXPECT_THROW(k.startCrank(), KernelPanic);
}

TEST(SwingStoreTest, CommitInsideACrankPanics) {
  auto store = SwingStore::openInMemory();
  store->kernelStorage().startCrank();
  EXPECT_THROW(store->hostStorage().commit(), KernelPanic);
}

TEST(SwingStoreTest, PersistsOnlyCommittedWrites) {
  TempDir dir;
  {
    auto store = SwingStore::open(dir.path());
    KernelStorage& k = store->kernelStorage();
    k.startCrank();
    k.kv().set("committed", "yes");
    k.transcripts().initTranscript("v1");
    k.transcripts().addItem("v1", "x");
    std::string activity = k.endCrank();
    store->hostStorage().kv().set("host.height", "1");
    store->hostStorage().commit();
    k.startCrank();
    k.kv().set("uncommitted", "no");
    k.endCrank();
    EXPECT_NE(k.getActivityHash(), activity);
  }
  auto store = SwingStore::open(dir.path());
  KernelStorage& k = store->kernelStorage();
  EXPECT_EQ(k.kv().get("committed"), "yes");
  EXPECT_EQ(k.kv().get("host.height"), "1");
  EXPECT_EQ(k.kv().get("uncommitted"), std::nullopt);
  EXPECT_EQ(k.transcripts().getCurrentSpanBounds("v1").endPos, 1u);
  // The activity hash is the one that was committed: exactly one crank's worth.
  std::string crank = sha256Hex("add\ncommitted\nyes\n");
  EXPECT_EQ(k.getActivityHash(), sha256Hex("activityhash\n\n" + crank + "\n"));
}

TEST(SwingStoreTest, BrokenLatchRefusesCommitAndNothingIsSaved) {
  TempDir dir;
  {
    auto store = SwingStore::open(dir.path());
    KernelStorage& k = store->kernelStorage();
    k.kv().set("before", "1");
    store->hostStorage().commit();
    k.startCrank();
    k.kv().set("half", "done");
    k.markBroken("a crank unwound before it ended");
    k.markBroken("a later reason");  // the first one wins
    try {
      store->hostStorage().commit();
      ADD_FAILURE() << "a broken store committed";
    } catch (const KernelPanic& e) {
      EXPECT_NE(std::string(e.what()).find("a crank unwound"), std::string::npos) << e.what();
    }
    EXPECT_THROW(k.requireNotBroken(), KernelPanic);
    EXPECT_THROW(store->hostStorage().commit(), KernelPanic);  // still latched
  }
  auto store = SwingStore::open(dir.path());
  EXPECT_EQ(store->kernelStorage().kv().get("before"), "1");
  EXPECT_EQ(store->kernelStorage().kv().get("half"), std::nullopt);
  EXPECT_NO_THROW(store->kernelStorage().requireNotBroken());
}

TEST(SwingStoreTest, ClosedStorePanicsAndKeepsOnlyCommittedData) {
  TempDir dir;
  auto store = SwingStore::open(dir.path());
  store->kernelStorage().kv().set("a", "1");
  store->hostStorage().commit();
  store->kernelStorage().kv().set("b", "2");
  store->hostStorage().close();
  EXPECT_THROW(store->kernelStorage().kv().get("a"), KernelPanic);
  auto again = SwingStore::open(dir.path());
  EXPECT_EQ(again->kernelStorage().kv().get("a"), "1");
  EXPECT_EQ(again->kernelStorage().kv().get("b"), std::nullopt);
}

TEST(SwingStoreTest, ReopeningWritesNothingUntilTheFirstWrite) {
  TempDir dir;
  fs::path file = dir.path() / "swingstore.sqlite";
  {
    auto store = SwingStore::open(dir.path());
    store->kernelStorage().kv().set("a", "1");
    store->hostStorage().commit();
  }
  std::string before = testing::readFile(file);
  auto mtime = fs::last_write_time(file);
  {
    auto store = SwingStore::open(dir.path());
    EXPECT_EQ(store->kernelStorage().kv().get("a"), "1");
    store->hostStorage().commit();  // nothing to commit
  }
  EXPECT_EQ(testing::readFile(file), before);
  EXPECT_EQ(fs::last_write_time(file), mtime);
}

// Throws unless opening `dir` fails with a ConfigError mentioning `needle`.
void expectConfigError(const fs::path& dir, std::string_view needle) {
  try {
    SwingStore::open(dir);
    ADD_FAILURE() << "opened " << dir;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SwingStoreTest, OneOpenStoreAtATime) {
  TempDir dir;
  auto store = SwingStore::open(dir.path());
  expectConfigError(dir.path(), "in use by another process");
  store->kernelStorage().kv().set("a", "1");
  store->hostStorage().commit();  // the refused open disturbed nothing
  store->hostStorage().close();
  EXPECT_EQ(SwingStore::open(dir.path())->kernelStorage().kv().get("a"), "1");
}

// A dead host's lock can outlive it for a moment (a worker it was spawning holds it until its
// exec): an open waits that out rather than refusing the directory.
TEST(SwingStoreTest, AnOpenWaitsForALockReleasedAMomentLater) {
  TempDir dir;
  SwingStore::open(dir.path())->hostStorage().close();
  const fs::path file = dir.path() / "swingstore.sqlite";
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  std::thread release([fd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ::close(fd);
  });
  EXPECT_NO_THROW(SwingStore::open(dir.path())->hostStorage().close());
  release.join();
}

TEST(SwingStoreTest, RefusesDirectoriesThatAreNotOurs) {
  TempDir dir;
  testing::writeFile(dir.path() / "notes.txt", "mine");
  expectConfigError(dir.path(), dir.path().string());
  EXPECT_FALSE(fs::exists(dir.path() / "swingstore.sqlite"));
  expectConfigError(dir.path() / "notes.txt", "not a directory");
}

TEST(SwingStoreTest, RefusesFilesThatAreNotSqlite) {
  TempDir dir;
  fs::path file = dir.path() / "swingstore.sqlite";
  std::string junk(8192, 'j');
  testing::writeFile(file, junk);
  expectConfigError(dir.path(), file.string());
  EXPECT_EQ(testing::readFile(file), junk);  // untouched
}

// A store whose header or schema is damaged is refused at open; damage deeper in is found when
// the damaged pages are read (open does not read every page), as a panic naming the file, and
// the file is left as it was.
TEST(SwingStoreTest, RefusesCorruptDatabases) {
  TempDir dir;
  fs::path file = dir.path() / "swingstore.sqlite";
  {
    auto store = SwingStore::open(dir.path());
    for (int i = 0; i < 2000; i++)
      store->kernelStorage().kv().set(fmt::format("key.{}", i), std::string(100, 'v'));
    store->hostStorage().commit();
  }
  const std::string good = testing::readFile(file);
  ASSERT_GT(good.size(), 3 * 4096u);

  std::string header = good;
  for (size_t i = 16; i < 100; i++) header[i] = static_cast<char>(0xa5);  // page size, counts...
  testing::writeFile(file, header);
  expectConfigError(dir.path(), file.string());
  EXPECT_EQ(testing::readFile(file), header);

  std::string deep = good;
  for (size_t i = 2 * 4096 + 100; i < 3 * 4096; i++) deep[i] = static_cast<char>(0xa5);
  testing::writeFile(file, deep);
  try {
    auto store = SwingStore::open(dir.path());
    for (int i = 0; i < 2000; i++) store->kernelStorage().kv().get(fmt::format("key.{}", i));
    ADD_FAILURE() << "read every key of a damaged store";
  } catch (const KernelPanic& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  } catch (const ConfigError& e) {  // damage that SQLite meets while reading the schema
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(testing::readFile(file), deep);
}

TEST(SwingStoreTest, RefusesNewerSchemasAndForeignTables) {
  TempDir newer, foreign;
  SwingStore::open(newer.path());
  SwingStore::open(foreign.path());
  Db(((newer.path() / "swingstore.sqlite")).string(), SQLITE_OPEN_READWRITE)
      .exec("PRAGMA user_version = 2");
  Db((foreign.path() / "swingstore.sqlite").string(), SQLITE_OPEN_READWRITE)
      .exec("CREATE TABLE accounts (id TEXT)");
  expectConfigError(newer.path(), "schema version 2");
  expectConfigError(foreign.path(), "unexpected table accounts");
}

}  // namespace
}  // namespace swingset
