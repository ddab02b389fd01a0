#pragma once
// The kernel: queues, cranks, routing, deliveries, syscalls, termination and GC (reference/
// kernel.md). One thread drives it. Every crank runs inside a store savepoint; a vat fault rolls
// the crank back and terminates the vat; any exception escaping a crank is a KernelPanic, latched
// in the store so nothing after it can be committed.
// Start reading at run(), then step(), processAcceptanceMessage(), processDeliveryMessage().
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "kernel/capdata.h"
#include "kernel/device.h"
#include "kernel/state/kernel_state.h"
#include "kernel/vat_warehouse.h"
#include "store/kernel_storage.h"

namespace swingset {

// What one crank did, for the run policy.
struct CrankSummary {
  bool didCrank = false;     // false: nothing to do
  bool didDelivery = false;  // a vat got a delivery
  uint64_t computrons = 0;
};

// Asked after every crank whether to go on (SwingSet's runPolicy).
class RunPolicy {
 public:
  virtual ~RunPolicy() = default;
  virtual bool crankComplete(const CrankSummary& crank) = 0;
};

// How much one cleanup crank of a terminated vat may do, per phase (SwingSet's CleanupBudget):
// c-list exports, imports and promises, other vat keys, snapshot rows, transcript spans.
struct CleanupBudget {
  uint64_t exports = 100;
  uint64_t imports = 100;
  uint64_t promises = 100;
  uint64_t kv = 500;
  uint64_t snapshots = 2;
  uint64_t transcripts = 2;
};

struct KernelOptions {
  WarehouseOptions warehouse;
  CleanupBudget cleanup;
};

class Kernel {
 public:
  Kernel(KernelStorage& storage, const WorkerPackages& packages, KernelOptions options);
  ~Kernel();

  KernelState& state() { return state_; }
  void addDevice(const std::string& deviceID, Device& device);  // device outlives the kernel

  // Runs cranks until there is no work or the policy says stop; returns the number of cranks.
  uint64_t run(RunPolicy* policy = nullptr);
  // One crank; false if there was nothing to do.
  bool step(CrankSummary* summary = nullptr);

  // Queues `method(...args)` to a kref from outside (the host, bootstrap, vat-admin callbacks).
  // Returns the result kpid, holding a host reference on it, unless `noResult`.
  std::optional<std::string> queueToKref(const std::string& target, const std::string& method,
                                         const CapData& args, const std::string& resultPolicy, bool noResult = false);
  // vatAdmin device hook (createByBundle/createByBundleID): allocates the vat's ID and queues its
  // create-vat event; the vat is made by a later crank. vatParameters' slots are held meanwhile.
  std::string createVatByEvent(const Json& source, const CapData& vatParameters, const Json& dynamicOptions);
  // vatAdmin device hook (upgradeVat): queues the vat's upgrade-vat event; returns its upgradeID.
  std::string upgradeVatByEvent(const std::string& vatID, const std::string& bundleID, const CapData& vatParameters,
                                const std::string& upgradeMessage);
  // Terminates a vat now (illegal syscall, delivery error, exit, host request).
  void terminateVat(const std::string& vatID, bool reject, const CapData& info);
  // Makes everything the kernel did durable-ready: call right before HostStorage::commit(),
  // never inside a crank.
  void flushSnapshots() { warehouse_.flushSnapshots(); }
  VatWarehouse& warehouse() { return warehouse_; }
  void shutdown();

  // Internal, used by the syscall handler (vat_syscalls.cc) and devices.
  void doSend(const std::string& target, const Message& msg);
  void doResolve(const std::string& vatID, const std::string& kpid, bool rejected, const CapData& data);
  void notify(const std::string& vatID, const std::string& kpid);
  // Importers of `ko` get a retireImport GC action; then the object is deleted.
  void retireKernelObject(KernelSlot ko);
  // Turns the krefs in state().maybeFree() into GC actions or deletions; every crank ends with it,
  // and so must any other writer of refcounts (a vat import, controller/vat_archive.h).
  void processRefcounts();
  DeviceResult invokeDevice(const std::string& deviceID, const std::string& target, const std::string& method,
                            const CapData& args);
  std::map<std::string, Device*>& devices() { return devices_; }

 private:
  struct CrankResults;
  struct Route;
  CrankSummary processAcceptanceMessage(const Json& item);
  CrankSummary processDeliveryMessage(const Json& item);
  CrankResults deliverRunQueueEvent(const Json& item);
  CrankResults processSend(const std::string& vatID, const std::string& target, const Message& msg);
  CrankResults processNotify(const std::string& vatID, const std::string& kpid);
  CrankResults processStartVat(const std::string& vatID, const CapData& vatParameters);
  CrankResults processCreateVat(const Json& item);
  std::optional<Json> dynamicVatOptions(const Json& item, std::string& error) const;
  CrankResults processUpgradeVat(const Json& item);
  CrankResults processChangeVatOptions(const std::string& vatID, const Json& options);
  CrankResults processGCMessage(const std::string& type, const std::string& vatID, const std::vector<std::string>& krefs);
  CrankResults processBringOutYourDead(const std::string& vatID);
  // `meterID`: the vat's meter, for deliveries it pays for ("" for kernel-initiated ones).
  CrankResults deliverAndLog(const std::string& vatID, const Json& vdo, bool measureDirt, uint64_t gcKrefs,
                             const std::string& meterID = "");
  std::string meterIDOf(const std::string& vatID);
  Json workerOptions() const;  // vNN.options.workerOptions for a vat (or incarnation) made now
  void storeWorkerBundles();   // what those name, into the bundle store
  void setVatParameters(const std::string& vatID, const CapData& vatParameters);
  std::vector<std::string> unresolvedPromisesDecidedBy(const std::string& vatID);
  bool cleanupTerminatedVat(const std::string& vatID);
  std::optional<Route> routeSendEvent(const std::string& target, const Message& msg);
  void decrementSendEventRefCount(const std::string& target, const Message& msg);
  void resolveToError(const std::string& kpid, const CapData& error, const std::string& expectedDecider = "");
  std::optional<Json> nextGCDelivery();
  void endCrank();
  void loadAhead();
  bool bearAhead(const Json& vatStart);

  KernelStorage& storage_;  // owned by the host's SwingStore
  const WorkerPackages& packages_;  // owned by the Controller
  KernelOptions options_;
  KernelState state_;
  VatWarehouse warehouse_;
  std::map<std::string, Device*> devices_;  // not owned
  // The vat of each run-queue item loadAhead() has looked at, by queue position, so each item is
  // read once. A cache: a wrong entry (after a rollback) only costs a useless preload.
  std::map<uint64_t, std::optional<std::string>> upcoming_;
  // Likewise the vat each item starts (create-vat, or a static vat's startVat) if its startVat
  // began ahead of its crank (VatWarehouse::bearAhead); "" if not, or if the item starts no vat.
  std::map<uint64_t, std::string> vatStarts_;
};

}  // namespace swingset
