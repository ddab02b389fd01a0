#include "store/kv_store.h"

#include <gtest/gtest.h>

#include "base/sha.h"
#include "store/swing_store.h"

namespace swingset {
namespace {

class KVStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SwingStore> store_ = SwingStore::openInMemory();
  KernelStorage& kernel_ = store_->kernelStorage();
  KVStore& kv_ = kernel_.kv();
};

TEST_F(KVStoreTest, GetSetHasRemove) {
  EXPECT_EQ(kv_.get("a"), std::nullopt);
  EXPECT_FALSE(kv_.has("a"));
  kv_.set("a", "1");
  kv_.set("a", "2");
  kv_.set("empty", "");
  EXPECT_EQ(kv_.get("a"), "2");
  EXPECT_EQ(kv_.get("empty"), "");
  EXPECT_EQ(kv_.getRequired("a"), "2");
  kv_.remove("a");
  kv_.remove("never-there");
  EXPECT_FALSE(kv_.has("a"));
}

TEST_F(KVStoreTest, KeysAreOrderedByBytes) {
  // '+' 0x2b < '-' 0x2d < '.' 0x2e; 'z' 0x7a < UTF-8 lead bytes 0xc3, 0xe2.
  for (const char* k : {"\xe2\x82\xac", "z", "o.", "o-", "o+1", "o+", "o", "\xc3\xa9", "Z"})
    kv_.set(k, "v");
  std::vector<std::string> order;
  for (auto k = kv_.getNextKey(""); k; k = kv_.getNextKey(*k)) order.push_back(*k);
  EXPECT_EQ(order, (std::vector<std::string>{"Z", "o", "o+", "o+1", "o-", "o.", "z", "\xc3\xa9",
                                             "\xe2\x82\xac"}));
}

TEST_F(KVStoreTest, GetNextKeyIsStrictlyGreater) {
  kv_.set("v1.c.ko20", "x");
  kv_.set("v1.c.ko21", "x");
  kv_.set("v2.o.nextID", "50");
  EXPECT_EQ(kv_.getNextKey("v1.c.ko20"), "v1.c.ko21");
  EXPECT_EQ(kv_.getNextKey("v1.c.ko200"), "v1.c.ko21");  // absent keys work too
  EXPECT_EQ(kv_.getNextKey("v1."), "v1.c.ko20");
  EXPECT_EQ(kv_.getNextKey("v2.o.nextID"), std::nullopt);
}

TEST_F(KVStoreTest, PrefixIterationSeesOnlyThePrefixAndToleratesDeletes) {
  for (const char* k : {"v1", "v1.a", "v1.b", "v1.c", "v10.a", "v2.a"}) kv_.set(k, k);
  std::vector<std::string> seen;
  kv_.forEachWithPrefix("v1.", [&](std::string_view k, std::string_view v) {
    EXPECT_EQ(k, v);
    seen.emplace_back(k);
    kv_.remove(k);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"v1.a", "v1.b", "v1.c"}));
  EXPECT_TRUE(kv_.has("v1"));
  EXPECT_TRUE(kv_.has("v10.a"));
}

TEST_F(KVStoreTest, KernelFacetRefusesHostKeys) {
  EXPECT_THROW(kv_.set("host.height", "1"), KernelPanic);
  EXPECT_THROW(kernel_.requireNotBroken(), KernelPanic);  // the refused write latched
}

TEST_F(KVStoreTest, HostFacetWritesOnlyHostKeys) {
  KVStore& host = store_->hostStorage().kv();
  host.set("host.height", "7");
  EXPECT_EQ(kv_.get("host.height"), "7");  // the kernel may read it
  host.remove("host.height");
  EXPECT_FALSE(host.has("host.height"));
  EXPECT_THROW(host.set("crankNumber", "1"), KernelPanic);
}

TEST_F(KVStoreTest, GetRequiredPanicsAndLatches) {
  EXPECT_THROW(kv_.getRequired("missing"), KernelPanic);
  EXPECT_THROW(store_->hostStorage().commit(), KernelPanic);
}

// The expected values are computed here from kernel.md §11, not by the code under test.
TEST_F(KVStoreTest, CrankHashCoversConsensusWritesOnly) {
  kernel_.startCrank();
  kv_.set("a", "1");
  kv_.set("local.kernelStats", "{}");             // local: not hashed
  kv_.remove("absent");                           // deletes of absent keys count
  store_->hostStorage().kv().set("host.x", "y");  // host facet: not hashed
  kv_.set("b", "line1\nline2");
  std::string crank1 = sha256Hex("add\na\n1\ndelete\nabsent\nadd\nb\nline1\nline2\n");
  std::string act1 = sha256Hex("activityhash\n\n" + crank1 + "\n");
  EXPECT_EQ(kernel_.endCrank(), act1);
  EXPECT_EQ(kernel_.getActivityHash(), act1);
  EXPECT_EQ(kv_.get("activityhash"), act1);

  kernel_.startCrank();  // an empty crank still chains
  std::string act2 = sha256Hex("activityhash\n" + act1 + "\n" + sha256Hex("") + "\n");
  EXPECT_EQ(kernel_.endCrank(), act2);

  kv_.set("outside", "crank");  // writes before startCrank are dropped by its reset
  kernel_.startCrank();
  kv_.remove("a");
  std::string act3 = sha256Hex("activityhash\n" + act2 + "\n" + sha256Hex("delete\na\n") + "\n");
  EXPECT_EQ(kernel_.endCrank(), act3);
}

}  // namespace
}  // namespace swingset
