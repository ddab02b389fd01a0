// KernelState and VatState on a real in-memory SQLite store: c-list allocation and refcounts.
#include "kernel/state/vat_state.h"

#include <gtest/gtest.h>

#include "kernel/state/device_state.h"
#include "store/swing_store.h"

namespace swingset {
namespace {

class VatStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_->kernelStorage().startCrank();
    kernel_.createStartingKeys();
  }
  VatState newVat() {
    std::string id = kernel_.allocateVatID();
    VatState v(kernel_, id);
    v.initialize(R"({"bundleID":"b1-x"})", R"({"name":"t"})");
    return v;
  }
  std::unique_ptr<SwingStore> store_ = SwingStore::openInMemory();
  KernelState kernel_{store_->kernelStorage().kv()};
};

TEST_F(VatStateTest, ImportGetsOneVrefPerKrefAndCountsIt) {
  VatState exporter = newVat();
  VatState importer = newVat();
  KernelSlot ko = kernel_.addKernelObject(exporter.vatID());
  VatSlot vref = importer.mapKernelSlotToVatSlot(ko.str());
  EXPECT_EQ(vref.str(), "o-50");  // a vat's first import
  EXPECT_EQ(importer.mapKernelSlotToVatSlot(ko.str()).str(), "o-50");
  EXPECT_EQ(importer.krefForVref("o-50"), ko.str());
  EXPECT_EQ(kernel_.objectRefCount(ko), (RefCount{1, 1}));
  EXPECT_EQ(kernel_.kv().get(importer.vatID() + ".c." + ko.str()), "R o-50");
}

// A device never drops what it was given, so its c-list entry holds the object (and a promise)
// for good, once however often it is given again, as in SwingSet's deviceKeeper.
TEST_F(VatStateTest, ADeviceHoldsWhatItWasGiven) {
  VatState exporter = newVat();
  KernelSlot ko = kernel_.addKernelObject(exporter.vatID());
  KernelSlot kp = kernel_.addKernelPromise();
  DeviceState device(kernel_, "d7");
  device.initialize(R"({"bundleID":"b1-x"})", "{}");
  EXPECT_EQ(device.mapKernelSlotToDeviceSlot(ko.str()), "o-10");
  EXPECT_EQ(device.mapKernelSlotToDeviceSlot(ko.str()), "o-10");
  EXPECT_EQ(device.mapKernelSlotToDeviceSlot(kp.str()), "p-30");
  EXPECT_EQ(kernel_.objectRefCount(ko), (RefCount{1, 1}));
  EXPECT_EQ(kernel_.kv().get(kp.str() + ".refCount"), "1");
}

TEST_F(VatStateTest, ExportAllocatesAKernelObjectWithoutCountingIt) {
  VatState vat = newVat();
  std::optional<std::string> ko = vat.mapVatSlotToKernelSlot(*VatSlot::parse("o+10"));
  ASSERT_TRUE(ko);
  EXPECT_EQ(*ko, "ko20");  // ko.nextID starts at 20
  EXPECT_EQ(kernel_.objectOwner(*KernelSlot::parse(*ko)), vat.vatID());
  EXPECT_EQ(kernel_.objectRefCount(*KernelSlot::parse(*ko)), (RefCount{0, 0}));
}

TEST_F(VatStateTest, UnknownImportsAreRefused) {
  VatState vat = newVat();
  EXPECT_EQ(vat.mapVatSlotToKernelSlot(*VatSlot::parse("o-55")), std::nullopt);
  EXPECT_EQ(vat.mapVatSlotToKernelSlot(*VatSlot::parse("p-61")), std::nullopt);
}

TEST_F(VatStateTest, NewVatPromiseIsDecidedByTheVat) {
  VatState vat = newVat();
  std::optional<std::string> kp = vat.mapVatSlotToKernelSlot(*VatSlot::parse("p+5"));
  ASSERT_TRUE(kp);
  EXPECT_EQ(*kp, "kp40");
  KernelPromise p = kernel_.getPromise(*KernelSlot::parse(*kp));
  EXPECT_EQ(p.decider, vat.vatID());
  EXPECT_EQ(p.refCount, 1u);  // the c-list entry
}

TEST_F(VatStateTest, DroppedImportCannotBeUsedAgainAndRetireForgetsIt) {
  VatState exporter = newVat();
  VatState importer = newVat();
  KernelSlot ko = kernel_.addKernelObject(exporter.vatID());
  importer.mapKernelSlotToVatSlot(ko.str());
  importer.clearReachableFlag(ko.str());
  EXPECT_EQ(kernel_.objectRefCount(ko), (RefCount{0, 1}));
  EXPECT_EQ(importer.mapVatSlotToKernelSlot(*VatSlot::parse("o-50")), std::nullopt);
  importer.deleteCListEntry(ko.str(), "o-50");
  EXPECT_EQ(kernel_.objectRefCount(ko), (RefCount{0, 0}));
  EXPECT_EQ(importer.krefForVref("o-50"), std::nullopt);
  EXPECT_TRUE(kernel_.maybeFree().count(ko.str()));
}

// retireKernelObject deletes an orphaned object, then the retireImports delivery deletes each
// importer's entry: deleting that entry must not count against the gone object (nor panic).
TEST_F(VatStateTest, DeletingAnImportOfARetiredObjectLeavesItGone) {
  VatState exporter = newVat();
  VatState importer = newVat();
  KernelSlot ko = kernel_.addKernelObject(exporter.vatID());
  importer.mapKernelSlotToVatSlot(ko.str());
  importer.clearReachableFlag(ko.str());
  kernel_.deleteKernelObject(ko);
  importer.deleteCListEntry(ko.str(), "o-50");
  EXPECT_FALSE(kernel_.objectExists(ko));
  EXPECT_EQ(importer.krefForVref("o-50"), std::nullopt);
}

TEST_F(VatStateTest, AddedCListEntriesCountLikeAllocatedOnes) {
  VatState vat = newVat();
  KernelSlot exported = kernel_.addKernelObject(vat.vatID());
  KernelSlot held = kernel_.addKernelObject("v9");
  KernelSlot dropped = kernel_.addKernelObject("v9");
  KernelSlot kp = kernel_.addKernelPromise();
  vat.addCListEntry(exported.str(), *VatSlot::parse("o+10"), true);
  vat.addCListEntry(held.str(), *VatSlot::parse("o-57"), true);
  vat.addCListEntry(dropped.str(), *VatSlot::parse("o-58"), false);
  vat.addCListEntry(kp.str(), *VatSlot::parse("p-63"), true);
  EXPECT_EQ(kernel_.objectRefCount(exported), (RefCount{0, 0}));  // an exporter's entry is not counted
  EXPECT_EQ(kernel_.objectRefCount(held), (RefCount{1, 1}));
  EXPECT_EQ(kernel_.objectRefCount(dropped), (RefCount{0, 1}));
  EXPECT_EQ(kernel_.getPromise(kp).refCount, 1u);
  EXPECT_EQ(vat.krefForVref("o-58"), dropped.str());
  EXPECT_FALSE(vat.reachableFlag(dropped.str()));
  // Deleting them undoes exactly what adding them counted.
  vat.deleteCListEntry(held.str(), "o-57");
  vat.deleteCListEntry(dropped.str(), "o-58");
  EXPECT_EQ(kernel_.objectRefCount(held), (RefCount{0, 0}));
  EXPECT_EQ(kernel_.objectRefCount(dropped), (RefCount{0, 0}));
}

TEST_F(VatStateTest, DynamicVatsAreFoundByTheirNameOption) {
  for (const char* name : {"c1", "c2", "c1"}) {
    std::string id = kernel_.allocateVatID();
    kernel_.addDynamicVat(id);
    VatState(kernel_, id).initialize(R"({"bundleID":"b1-x"})", std::string(R"({"name":")") + name + "\"}");
  }
  EXPECT_EQ(kernel_.dynamicVatIDsNamed("c1"), (std::vector<std::string>{"v1", "v3"}));
  EXPECT_EQ(kernel_.dynamicVatIDsNamed("c2"), (std::vector<std::string>{"v2"}));
  EXPECT_TRUE(kernel_.dynamicVatIDsNamed("c3").empty());
}

TEST_F(VatStateTest, VatstoreNextKeyStaysInsideTheVat) {
  VatState a = newVat();
  VatState b = newVat();
  a.vatstoreSet("k1", "x");
  b.vatstoreSet("k0", "y");
  EXPECT_EQ(a.vatstoreGetNextKey(""), "k1");
  EXPECT_EQ(a.vatstoreGetNextKey("k1"), std::nullopt);
}

TEST_F(VatStateTest, QueuesAreFifoAndResolutionReleasesQueuedMessages) {
  kernel_.addToRunQueue(Json::object({{"type", "a"}}));
  kernel_.addToRunQueue(Json::object({{"type", "b"}}));
  EXPECT_EQ(kernel_.runQueueLength(), 2u);
  EXPECT_EQ((*kernel_.shiftRunQueue())["type"], "a");
  EXPECT_EQ((*kernel_.shiftRunQueue())["type"], "b");
  EXPECT_EQ(kernel_.shiftRunQueue(), std::nullopt);

  KernelSlot kp = kernel_.addKernelPromise("panic");
  kernel_.setDecider(kp, "v1");
  kernel_.enqueueToPromise(kp, Message{CapData{"#[\"m\",[]]", {}}, std::nullopt});
  ASSERT_TRUE(kernel_.kv().has(kp.str() + ".policy"));
  std::vector<Message> released = kernel_.resolvePromise(kp, false, CapData{"#1", {}});
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0].methargs.body, "#[\"m\",[]]");
  EXPECT_EQ(kernel_.promiseState(kp), PromiseState::kFulfilled);
  // Only the state and the resolution stay, as in JS (deleteKernelPromiseState).
  for (const char* gone : {".decider", ".subscribers", ".policy", ".queue.nextID"}) {
    EXPECT_FALSE(kernel_.kv().has(kp.str() + gone)) << gone;
  }
}

// As requeueKernelPromise, for a pipelined result: its queue starts again from 0.
TEST_F(VatStateTest, TakingAPromiseQueueStartsItAgainFromZero) {
  KernelSlot kp = kernel_.addKernelPromise("panic");
  kernel_.enqueueToPromise(kp, Message{CapData{"#[\"m\",[]]", {}}, std::nullopt});
  EXPECT_EQ(kernel_.kv().get(kp.str() + ".queue.nextID"), "1");
  EXPECT_EQ(kernel_.takePromiseQueue(kp).size(), 1u);
  EXPECT_EQ(kernel_.kv().get(kp.str() + ".queue.nextID"), "0");
  kernel_.enqueueToPromise(kp, Message{CapData{"#[\"n\",[]]", {}}, std::nullopt});
  EXPECT_TRUE(kernel_.kv().has(kp.str() + ".queue.0"));
}

// vatKeeper.addDirt counts a kind of dirt only under a truthy threshold: 0 is never, like "never".
TEST_F(VatStateTest, AReapThresholdOfZeroNeverReaps) {
  VatState vat(kernel_, "v1");
  Json threshold = Json::object({{"deliveries", 0}, {"gcKrefs", 20}, {"computrons", "never"}});
  for (int i = 0; i < 3; i++) EXPECT_FALSE(vat.addDirt(1, 0, 5000, threshold));
  EXPECT_EQ(kernel_.kv().get("v1.reapDirt"), "{}");
  EXPECT_TRUE(vat.addDirt(1, 20, 0, threshold));
  EXPECT_EQ(kernel_.kv().get("v1.reapDirt"), R"({"gcKrefs":20})");
}

// Kernel::loadAhead reads where run-queue items go without parsing them: only a field at the
// top level counts, never the same text inside a message body.
TEST_F(VatStateTest, RunQueueItemVatNamesTheVatAnItemGoesTo) {
  VatState owner = newVat();
  KernelSlot ko = kernel_.addKernelObject(owner.vatID());
  KernelSlot kp = kernel_.addKernelPromise();
  std::string decoy = R"(#["m",{"type":"notify","vatID":"v9","target":"ko1"}])";
  Message toObject{CapData{decoy, {}}, std::nullopt};
  kernel_.addToRunQueue(Json::object({{"type", "send"}, {"target", ko.str()}, {"msg", toObject.toJson()}}));
  kernel_.addToRunQueue(Json::object({{"type", "notify"}, {"vatID", "v7"}, {"kpid", kp.str()}}));
  kernel_.addToRunQueue(Json::object({{"type", "send"}, {"target", kp.str()}, {"msg", toObject.toJson()}}));
  kernel_.addToRunQueue(Json::object({{"type", "bringOutYourDead"}, {"vatID", owner.vatID()}}));
  auto [head, tail] = kernel_.runQueueBounds();
  ASSERT_EQ(tail - head, 4u);
  EXPECT_EQ(kernel_.runQueueItemVat(head), owner.vatID());
  EXPECT_EQ(kernel_.runQueueItemVat(head + 1), "v7");
  EXPECT_EQ(kernel_.runQueueItemVat(head + 2), std::nullopt);  // a promise: routed only when delivered
  EXPECT_EQ(kernel_.runQueueItemVat(head + 3), std::nullopt);  // not a send or notify
  EXPECT_EQ(kernel_.runQueueItemVat(tail), std::nullopt);
  kernel_.orphanObject(ko);
  EXPECT_EQ(kernel_.runQueueItemVat(head), std::nullopt);  // no live owner
}

// Meters hold BigInts in SwingSet: no amount a vat can ask for may overflow and stop the kernel.
TEST_F(VatStateTest, MeterAmountsHaveNoUpperBound) {
  std::string m = kernel_.allocateMeter("18446744073709551615", "10");  // 2^64 - 1
  kernel_.addMeterRemaining(m, "18446744073709551615");
  EXPECT_EQ(kernel_.getMeter(m).remaining, "36893488147419103230");
  EXPECT_TRUE(kernel_.checkMeter(m, UINT64_MAX));
  EXPECT_FALSE(kernel_.deductMeter(m, UINT64_MAX));
  EXPECT_EQ(kernel_.getMeter(m).remaining, "18446744073709551615");
  kernel_.addMeterRemaining(m, "999999999999999999999999999999");
  EXPECT_EQ(kernel_.getMeter(m).remaining, "1000000000018446744073709551614");
  kernel_.setMeterThreshold(m, "1000000000018446744073709551610");
  EXPECT_FALSE(kernel_.deductMeter(m, 3));  // ...611: not below the threshold yet
  EXPECT_TRUE(kernel_.deductMeter(m, 2));   // ...609: crossed, once
  EXPECT_FALSE(kernel_.deductMeter(m, 1));
  EXPECT_EQ(kernel_.getMeter(m).remaining, "1000000000018446744073709551608");
}

TEST_F(VatStateTest, AMeterSpentPastZeroStopsAtZero) {
  std::string m = kernel_.allocateMeter("100", "50");
  EXPECT_FALSE(kernel_.checkMeter(m, 101));
  EXPECT_TRUE(kernel_.checkMeter(m, 100));
  EXPECT_TRUE(kernel_.deductMeter(m, 1000));
  EXPECT_EQ(kernel_.getMeter(m).remaining, "0");
  kernel_.addMeterRemaining(m, "7");
  EXPECT_EQ(kernel_.getMeter(m).remaining, "7");
  std::string unlimited = kernel_.allocateMeter(std::nullopt, "0");
  kernel_.addMeterRemaining(unlimited, "5");
  EXPECT_FALSE(kernel_.getMeter(unlimited).remaining);
  EXPECT_TRUE(kernel_.checkMeter(unlimited, UINT64_MAX));
}

}  // namespace
}  // namespace swingset
