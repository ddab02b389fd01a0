#pragma once
// KernelState: the kernel's tables in the kvStore (reference/swing-store.md §4), as kernelKeeper
// holds them in JS. One object per kernel, owned by the Kernel; KVStore& is owned by SwingStore.
// Key families, by file:
//   kernel_state.cc  crankNumber, kernelStats, vat.*/device.* registry, koN.owner,
//                    koN.refCount ("reachable,recognizable", reachable <= recognizable),
//                    pinnedObjects, gcActions, reapQueue
//   promise_state.cc kpN.state|decider|subscribers|policy|refCount|data.*|queue.*
//   queue_state.cc   acceptanceQueue[.N], runQueue[.N] ("[head,tail]", items JSON)
// Invariant: every refcount decrement that reaches zero puts the kref in maybeFree_, which the
// kernel drains with processRefcounts() before the crank ends.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/json.h"
#include "kernel/capdata.h"
#include "kernel/refs.h"
#include "store/kv_store.h"

namespace swingset {

struct RefCount {
  uint64_t reachable = 0;
  uint64_t recognizable = 0;
  bool operator==(const RefCount&) const = default;
};

enum class PromiseState { kUnresolved, kFulfilled, kRejected };

// "unresolved", "fulfilled", "rejected": the kpN.state values.
const char* promiseStateName(PromiseState s);

struct KernelPromise {
  PromiseState state = PromiseState::kUnresolved;
  std::string decider;                   // "" = the kernel decides (unresolved only)
  std::vector<std::string> subscribers;  // sorted vatIDs (unresolved only)
  CapData data;                          // settled only
  uint64_t refCount = 0;
  std::string policy;                    // "", "logAlways", "logFailure", "panic"
};

// A meter's state: remaining computrons (nullopt: unlimited) and the notification threshold.
// Amounts are Nats of any size, as SwingSet's BigInts: decimal digits, no leading zeros.
struct MeterReading {
  std::optional<std::string> remaining;
  std::string threshold = "0";
};

// A message: methargs and an optional result kpid.
struct Message {
  CapData methargs;
  std::optional<std::string> result;
  Json toJson() const;  // {"methargs":…,"result":…|null}
  static std::optional<Message> fromJson(const Json& j);
};

class KernelState {
 public:
  explicit KernelState(KVStore& kv);

  KVStore& kv() { return kv_; }

  // --- initialization and counters
  void createStartingKeys();  // a fresh kernel's keys (initializeKernel)
  uint64_t crankNumber();
  void incrementCrankNumber();
  void saveStats();  // kernelStats, once per crank
  // Re-reads kernelStats after a crank rollback: the in-memory gauges may count undone work.
  void reloadStats();

  // --- vats and devices
  std::string allocateVatID();
  uint64_t allocateUpgradeID();
  std::string allocateDeviceID();
  void addStaticVat(const std::string& name, const std::string& vatID);
  void addDynamicVat(const std::string& vatID);
  void addDevice(const std::string& name, const std::string& deviceID);
  std::optional<std::string> vatIDForName(const std::string& name);  // static vats
  std::optional<std::string> deviceIDForName(const std::string& name);
  std::vector<std::string> staticVatNames();
  std::vector<std::string> dynamicVatIDs();
  // Live dynamic vats whose `name` option is `name`, in creation order. vat-admin does not make
  // names unique, so there may be several.
  std::vector<std::string> dynamicVatIDsNamed(const std::string& name);
  bool vatIsAlive(const std::string& vatID);
  // Removes the vat from the live registries and lists it in vats.terminated.
  void markVatTerminated(const std::string& vatID);

  // --- kernel objects
  KernelSlot addKernelObject(const std::string& ownerVatID);
  std::optional<std::string> objectOwner(KernelSlot ko);
  void orphanObject(KernelSlot ko);  // deletes koN.owner
  bool objectExists(KernelSlot ko);
  RefCount objectRefCount(KernelSlot ko);
  void setObjectRefCount(KernelSlot ko, RefCount c);
  void deleteKernelObject(KernelSlot ko);
  KernelSlot addKernelDeviceNode(const std::string& deviceID);
  std::optional<std::string> deviceNodeOwner(KernelSlot kd);

  // Refcounts of any kref (objects count both, promises one number, device nodes none).
  void incrementRefCount(const std::string& kref, bool onlyRecognizable = false);
  void decrementRefCount(const std::string& kref, bool onlyRecognizable = false);
  void incrementSlots(const std::vector<std::string>& krefs);
  void decrementSlots(const std::vector<std::string>& krefs);
  // An importing c-list entry's reachable flag going R (+1) or _ (-1): reachable count only.
  void adjustReachable(KernelSlot ko, int delta);
  std::set<std::string>& maybeFree() { return maybeFree_; }
  void pinObject(KernelSlot ko);

  // --- promises (promise_state.cc)
  KernelSlot addKernelPromise(const std::string& policy = "");
  KernelPromise getPromise(KernelSlot kp);  // panics if absent
  bool promiseExists(KernelSlot kp);
  PromiseState promiseState(KernelSlot kp);
  std::string promiseDecider(KernelSlot kp);
  void setDecider(KernelSlot kp, const std::string& vatID);
  void addSubscriber(KernelSlot kp, const std::string& vatID);
  // Settles kp, deleting its unresolved-only keys; returns the messages that were queued on it.
  std::vector<Message> resolvePromise(KernelSlot kp, bool rejected, const CapData& data);
  void enqueueToPromise(KernelSlot kp, const Message& msg);
  // Removes and returns the messages waiting on kp, oldest first.
  std::vector<Message> takePromiseQueue(KernelSlot kp);
  void deletePromise(KernelSlot kp);

  // --- queues (queue_state.cc)
  void addToAcceptanceQueue(const Json& item);
  std::optional<Json> shiftAcceptanceQueue();
  void addToRunQueue(const Json& item);
  std::optional<Json> shiftRunQueue();
  uint64_t runQueueLength();
  std::pair<uint64_t, uint64_t> runQueueBounds();  // items are at positions [head, tail)
  // The vat the run-queue item at `pos` is for: a notify's vat, or the live owner of the object a
  // send targets (nullopt for anything else, such as a send to a promise). Scans the raw item and
  // parses no JSON, so it can look ahead cheaply (Kernel::loadAhead).
  std::optional<std::string> runQueueItemVat(uint64_t pos);
  // The run-queue item at `pos` if it starts a vat: a create-vat by bundle ID, or a static vat's
  // startVat event (parsed only then).
  std::optional<Json> runQueueVatStart(uint64_t pos);
  // Anything for a crank to do: a queue item, a GC action or a reap. Reads raw values, parses none.
  bool hasWork();
  uint64_t acceptanceQueueLength();

  // --- meters (meter_state.cc); all but allocateMeter and meterExists panic on an unknown meter
  // Amounts as MeterReading holds them.
  std::string allocateMeter(const std::optional<std::string>& remaining, const std::string& threshold);
  bool meterExists(const std::string& meterID);
  MeterReading getMeter(const std::string& meterID);
  void addMeterRemaining(const std::string& meterID, const std::string& delta);
  void setMeterThreshold(const std::string& meterID, const std::string& threshold);
  bool checkMeter(const std::string& meterID, uint64_t spent);  // can it pay? (read-only)
  // Deducts (down to 0); true when this crossed below the threshold.
  bool deductMeter(const std::string& meterID, uint64_t spent);

  // --- terminated vats awaiting cleanup, oldest first
  std::optional<std::string> firstTerminatedVat();
  void forgetTerminatedVat(const std::string& vatID);

  // --- GC actions and reaping
  std::set<std::string> gcActions();  // "vN type koN"
  void setGCActions(const std::set<std::string>& actions);
  void addGCActions(const std::vector<std::string>& actions);
  std::vector<std::string> reapQueue();
  void scheduleReap(const std::string& vatID);
  std::optional<std::string> nextReapVat();

 private:
  uint64_t allocateCounter(const std::string& key);
  struct QueueStat {
    int64_t length = 0, up = 0, down = 0, max = 0;
    void add(int64_t delta);
  };
  std::vector<std::string> jsonStringArray(const std::string& key);
  void setJsonStringArray(const std::string& key, const std::vector<std::string>& items);

  KVStore& kv_;  // owned by SwingStore
  std::set<std::string> maybeFree_;
  QueueStat runQueueStat_, acceptanceQueueStat_, promiseQueuesStat_;
};

}  // namespace swingset
