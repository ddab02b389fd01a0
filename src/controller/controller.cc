// Controller: wires the store, kernel, devices and workers for one state directory, and builds a
// fresh kernel from a config (initializeSwingset + initializeKernel in JS).
#include "swingset/controller.h"

#include <algorithm>

#include "base/file.h"
#include "base/panic.h"
#include "controller/bundle_loader.h"
#include "controller/vat_archive.h"
#include "devices/vat_admin_device.h"
#include "kernel/kernel.h"
#include "kernel/plain_json.h"
#include "kernel/smallcaps.h"
#include "kernel/state/device_state.h"
#include "kernel/state/vat_state.h"
#include "store/bundle_store.h"
#include "store/swing_store.h"
#include "store/transcript_store.h"

namespace swingset {
namespace fs = std::filesystem;
namespace {

// Userspace console lines (source "vat") go to onConsole. Liveslots' own output is not the vat's,
// but it is often the only account of why a delivery failed ("I don't remember allocating o+0"):
// it goes to stderr, as SwingSet logs it.
class ConsoleAdapter : public ConsoleSink {
 public:
  explicit ConsoleAdapter(const ControllerOptions& o) : options_(o) {}
  void console(std::string_view vatName, std::string_view source, std::string_view level,
               const std::vector<std::string>& args) override {
    std::string line;
    for (const std::string& a : args) line += (line.empty() ? "" : " ") + a;
    if (source != "vat") {
      fmt::print(stderr, "{} ({} {}): {}\n", vatName, source, level, line);
    } else if (options_.onConsole) {
      options_.onConsole(std::string(vatName), std::string(level), line);
    }
  }

 private:
  const ControllerOptions& options_;  // owned by Controller::Impl
};

// Which vats were online at the last commit (not consensus state: `local.`).
constexpr const char* kOnlineVatsKey = "local.warehouse.online";
constexpr const char* kSupervisorCacheFile = "xsnap-supervisor.cache";  // SupervisorCache

constexpr const char* kVatAdminBundle = "build/vat-vat-admin.bundle.json";

std::string vatAdminBundleJson() {
  BundleSource s;
  s.bundleSpec = jsDir() / kVatAdminBundle;
  return loadBundleJson(s, "the vatAdmin vat (run scripts/setup.sh)");
}

}  // namespace

struct Controller::Impl {
  fs::path stateDir;
  ControllerOptions options;
  ConsoleAdapter console{options};
  WorkerPackages packages;
  std::unique_ptr<SwingStore> store;
  std::unique_ptr<Kernel> kernel;
  std::unique_ptr<VatAdminDevice> vatAdminDevice;
  std::optional<std::string> bootstrapKpid;

  void start() {
    KVStore& kv = store->kernelStorage().kv();
    KernelOptions ko;
    ko.warehouse.snapshotInitial = std::stoull(kv.get("kernel.snapshotInitial").value_or("3"));
    ko.warehouse.snapshotInterval = std::stoull(kv.get("kernel.snapshotInterval").value_or("200"));
    ko.warehouse.relaxDurabilityRules = kv.get("kernel.relaxDurabilityRules") == "true";
    ko.warehouse.restartWorkerOnSnapshot = options.restartWorkerOnSnapshot;
    ko.warehouse.hangTimeout = options.workerHangTimeout;
    ko.warehouse.supervisorCache = stateDir / kSupervisorCacheFile;
    ko.warehouse.console = &console;
    ko.warehouse.maxVatsOnline = options.maxVatsOnline;
    ko.warehouse.bearAhead = options.bearAhead;
    ko.warehouse.replayConsole = options.replayConsole;
    ko.warehouse.onReplayProgress = options.onReplayProgress;
    kernel = std::make_unique<Kernel>(store->kernelStorage(), packages, ko);
    if (std::optional<std::string> id = kernel->state().deviceIDForName("vatAdmin")) {
      vatAdminDevice = std::make_unique<VatAdminDevice>(store->kernelStorage(), *kernel, *id);
      kernel->addDevice(*id, *vatAdminDevice);
    }
  }

  // A live vat, by static name, else by the name of exactly one dynamic vat, else by vat ID.
  std::string vatIDFor(const std::string& vat) {
    KernelState& state = kernel->state();
    if (std::optional<std::string> id = state.vatIDForName(vat)) return *id;
    std::vector<std::string> dynamic = state.dynamicVatIDsNamed(vat);
    if (dynamic.size() > 1) throw ConfigError(fmt::format("vat name '{}' is ambiguous: dynamic vats {}", vat, fmt::join(dynamic, ", ")));
    if (dynamic.size() == 1) return dynamic[0];
    if (parseVatID(vat) && state.vatIsAlive(vat)) return vat;
    throw ConfigError(fmt::format("unknown vat '{}'", vat));
  }

  std::string rootKref(const std::string& vatID) {
    std::optional<VatSlot> root = VatSlot::parse("o+0");
    return *VatState(kernel->state(), vatID).mapVatSlotToKernelSlot(*root);
  }

  void initialize(const Config& config, const Json& argv);  // argv: an array
  // Queues a host message, once the target and the slots are known to exist.
  std::optional<std::string> queue(const std::string& kref, const std::string& method, const CapData& args, bool noResult);
};

Controller::Controller(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Controller::~Controller() {
  if (impl_ && impl_->kernel) impl_->kernel->shutdown();
}

std::unique_ptr<Controller> Controller::open(const fs::path& stateDir, ControllerOptions options) {
  if (!fs::exists(stateDir / SwingStore::kFileName)) {
    throw ConfigError(fmt::format("{} holds no kernel (create one with `swingset init`)", stateDir.string()));
  }
  auto impl = std::make_unique<Impl>();
  impl->stateDir = stateDir;
  impl->options = std::move(options);
  impl->packages = WorkerPackages::locate();
  impl->store = SwingStore::open(stateDir);
  if (impl->store->kernelStorage().kv().get("initialized") != "true") {
    throw ConfigError(fmt::format("{} holds a kernel whose initialization never finished", stateDir.string()));
  }
  impl->start();
  if (impl->options.preloadVats) {
    // The vats that were online at the last commit are likely the next ones needed.
    std::optional<Json> online = parseJson(impl->store->kernelStorage().kv().get(kOnlineVatsKey).value_or("[]"));
    std::vector<std::string> vats;
    if (online && online->is_array()) {
      for (const Json& v : *online) vats.push_back(v.get<std::string>());
    }
    impl->kernel->warehouse().preload(vats);
  }
  return std::unique_ptr<Controller>(new Controller(std::move(impl)));
}

std::unique_ptr<Controller> Controller::initialize(const fs::path& stateDir, const Config& config,
                                                   const std::string& argvJson, ControllerOptions options) {
  // Refused before a file exists: SwingSet's loadSwingsetConfigFile requires a bootstrap vat.
  if (config.bootstrap.empty()) {
    throw ConfigError(fmt::format("{}: bootstrap: required (no designated bootstrap vat)", config.file.string()));
  }
  std::optional<Json> argv = parseJson(argvJson);
  if (!argv || !argv->is_array()) throw ConfigError(fmt::format("argv must be a JSON array, not {}", argvJson));
  bool createdDir = !fs::exists(stateDir);
  auto impl = std::make_unique<Impl>();
  impl->stateDir = stateDir;
  impl->options = std::move(options);
  impl->packages = WorkerPackages::locate();
  // A supervisor cache left without its store (someone deleted swingstore.sqlite) is ours too,
  // and would make the store refuse the directory as not empty.
  if (!fs::exists(stateDir / SwingStore::kFileName)) fs::remove(stateDir / kSupervisorCacheFile);
  impl->store = SwingStore::open(stateDir);  // refuses, writing nothing, a dir that is not ours
  // A store whose initialization never committed (the host died during init) may be reused.
  if (impl->store->kernelStorage().kv().get("initialized") == "true") {
    throw ConfigError(fmt::format("{} already holds a kernel", stateDir.string()));
  }
  try {
    impl->start();
    impl->initialize(config, *argv);
    // The kernel was made before initialize() wrote its options (snapshotInitial, ...): make it
    // again from the store, as the next open would. Nothing has run yet; all it did is in the kv.
    impl->vatAdminDevice.reset();
    impl->kernel.reset();
    impl->start();
    impl->kernel->flushSnapshots();
    impl->store->hostStorage().commit();
  } catch (...) {  // nothing half-initialized may remain: drop the uncommitted store and its files
    impl->kernel.reset();
    impl->store.reset();
    std::error_code ec;
    if (createdDir) {
      fs::remove_all(stateDir, ec);
    } else {
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(stateDir / (std::string(SwingStore::kFileName) + suffix), ec);
      fs::remove(stateDir / kSupervisorCacheFile, ec);
    }
    throw;
  }
  return std::unique_ptr<Controller>(new Controller(std::move(impl)));
}

void Controller::Impl::initialize(const Config& config, const Json& argv) {
  KernelStorage& storage = store->kernelStorage();
  KernelState& state = kernel->state();
  KVStore& kv = storage.kv();
  storage.startCrank();  // the initial state is hashed as if it were crank #0

  // Bundles first: any that fails to load or verify stops init before a vat exists.
  struct StaticVat {
    const VatConfig* config;
    std::string bundleID;
  };
  auto install = [&](const std::string& json, const std::string& what) {
    std::string error;
    std::optional<std::string> id = computeBundleID(json, error);
    if (!id) throw ConfigError(fmt::format("{}: bad bundle: {}", what, error));
    if (!id->starts_with("b1-")) throw ConfigError(fmt::format("{}: vat bundles must be endoZipBase64 (got {})", what, *id));
    storage.bundles().addBundle(*id, json);
    return *id;
  };
  // "<config file>: vats.NAME (its bundle file)", for errors that say where.
  auto describe = [&](const std::string& field, const BundleSource& source) {
    std::string where = fmt::format("{}: {}", config.file.string(), field);
    if (source.bundleSpec) return fmt::format("{} ({})", where, source.bundleSpec->string());
    if (source.sourceSpec) return fmt::format("{} ({})", where, source.sourceSpec->string());
    return where;
  };
  for (const WorkerBundle* b : {&packages.lockdown, &packages.supervisor}) {
    b->evalSource();  // a new kernel refuses a broken worker package now, naming its file
    storage.bundles().addBundle(b->bundleID, b->text);
  }
  std::map<std::string, std::string> namedIDs;
  for (const auto& [name, source] : config.bundles) {
    std::string what = describe("bundles." + name, source);
    namedIDs[name] = install(loadBundleJson(source, what), what);
  }
  VatConfig vatAdmin;
  vatAdmin.name = "vatAdmin";
  std::string vatAdminID = install(vatAdminBundleJson(), "the vatAdmin vat");
  // Vat order, as initializeSwingset: bootstrap, vatAdmin, then the rest by name.
  std::vector<StaticVat> vats, rest;
  for (const VatConfig& v : config.vats) {
    if (v.name == "vatAdmin") throw ConfigError(fmt::format("{}: vats.vatAdmin is built in", config.file.string()));
    std::string what = describe("vats." + v.name, v.source);
    std::string id = v.source.bundleName ? namedIDs.at(*v.source.bundleName) : install(loadBundleJson(v.source, what), what);
    (v.name == config.bootstrap ? vats : rest).push_back({&v, id});
  }
  vats.push_back({&vatAdmin, vatAdminID});
  std::sort(rest.begin(), rest.end(), [](const StaticVat& a, const StaticVat& b) { return a.config->name < b.config->name; });
  vats.insert(vats.end(), rest.begin(), rest.end());
  for (const DeviceConfig& d : config.devices) {
    if (d.name != "vatAdmin") {
      throw ConfigError(fmt::format("{}: devices.{}: only the built-in vatAdmin device exists here", config.file.string(), d.name));
    }
  }

  state.createStartingKeys();
  kv.set("kernel.defaultManagerType", "xsnap");
  kv.set("kernel.defaultReapDirtThreshold",
         fmt::format(R"({{"deliveries":{},"gcKrefs":{},"computrons":"never"}})", config.defaultReapInterval, config.defaultReapGCKrefs));
  if (config.relaxDurabilityRules) kv.set("kernel.relaxDurabilityRules", "true");
  kv.set("kernel.snapshotInitial", std::to_string(config.snapshotInitial));
  kv.set("kernel.snapshotInterval", std::to_string(config.snapshotInterval));
  for (const auto& [name, id] : namedIDs) kv.set("namedBundleID." + name, id);

  for (const StaticVat& sv : vats) {
    const VatConfig& v = *sv.config;
    std::string vatID = state.allocateVatID();
    state.addStaticVat(v.name, vatID);
    Json options = Json::object();
    options["workerOptions"] = Json::object({{"type", "xsnap"}, {"bundleIDs", packages.bundleIDs()}});
    options["name"] = v.name;
    options["enableSetup"] = false;
    options["enablePipelining"] = v.enablePipelining;
    options["enableDisavow"] = v.enableDisavow;
    options["useTranscript"] = true;
    Json reap = Json::object();
    if (v.reapInterval) reap["deliveries"] = *v.reapInterval;
    if (v.reapGCKrefs) reap["gcKrefs"] = *v.reapGCKrefs;
    if (v.neverReap) reap["never"] = true;
    options["reapDirtThreshold"] = reap;
    options["critical"] = v.critical;
    VatState(state, vatID).initialize(toJson(Json::object({{"bundleID", sv.bundleID}})), toJson(options));
    storage.transcripts().initTranscript(vatID);
    Json parameters = parseJson(v.parametersJson).value_or(Json::object());
    if (v.name == config.bootstrap && !argv.empty()) parameters["argv"] = argv;
    Json startVat = Json::object();
    startVat["type"] = "startVat";
    startVat["vatID"] = vatID;
    EncodedPlain vp = encodePlain(parameters);
    if (!vp.capdata) throw ConfigError(fmt::format("vat {}: parameters: {}", v.name, vp.error));
    startVat["vatParameters"] = *parseJson(*vp.capdata);
    state.addToAcceptanceQueue(startVat);
    if (v.name == "vatAdmin") {
      KernelSlot root = *KernelSlot::parse(rootKref(vatID));
      state.pinObject(root);
      kv.set("vatAdminRootKref", root.str());
    }
  }
  std::string deviceID = state.allocateDeviceID();
  state.addDevice("vatAdmin", deviceID);
  DeviceState(state, deviceID).initialize(R"({"native":"vatAdmin"})", R"({"deviceParameters":{}})");
  vatAdminDevice = std::make_unique<VatAdminDevice>(storage, *kernel, deviceID);
  kernel->addDevice(deviceID, *vatAdminDevice);

  // bootstrap(vats, devices): every static vat's root, and every device's root, by name.
  std::vector<std::string> names = state.staticVatNames();
  std::sort(names.begin(), names.end());
  Json vatsRecord = Json::object(), devicesRecord = Json::object();
  std::vector<std::string> slots;
  for (const std::string& name : names) {
    vatsRecord[name] = fmt::format("${}.Alleged: root", slots.size());
    slots.push_back(rootKref(*state.vatIDForName(name)));
  }
  devicesRecord["vatAdmin"] = fmt::format("${}.Alleged: device", slots.size());
  slots.push_back(DeviceState(state, deviceID).mapDeviceSlotToKernelSlot("d+0"));
  CapData args{"#" + toJson(Json::array({vatsRecord, devicesRecord})), slots};
  std::string bootstrapRoot = rootKref(*state.vatIDForName(config.bootstrap));
  bootstrapKpid = kernel->queueToKref(bootstrapRoot, "bootstrap", args, "panic");
  state.incrementRefCount(*bootstrapKpid);  // the host's interest
  if (config.pinBootstrapRoot) state.pinObject(*KernelSlot::parse(bootstrapRoot));
  kv.set("initialized", "true");
  kv.set("version", "3");
  state.saveStats();
  storage.endCrank();
}

namespace {
// The host's arguments, checked at its edge: a body the target vat cannot read would terminate it.
CapData hostArgs(const std::string& argsCapData) {
  std::optional<Json> j = parseJson(argsCapData);
  std::optional<CapData> args = j ? CapData::fromJson(*j) : std::nullopt;
  std::optional<Json> values = args ? smallcapsValue(*args) : std::nullopt;
  std::string shown = argsCapData.size() > 200 ? argsCapData.substr(0, 200) + "…" : argsCapData;
  if (!values || !values->is_array()) throw ConfigError(fmt::format("arguments are not smallcaps capdata of an array: {}", shown));
  if (!slotReferencesValid(*values, args->slots.size())) {
    throw ConfigError(fmt::format("arguments have a slot reference that is malformed or past their {} slots: {}", args->slots.size(), shown));
  }
  return std::move(*args);
}
}  // namespace

std::optional<std::string> Controller::Impl::queue(const std::string& kref, const std::string& method,
                                                   const CapData& args, bool noResult) {
  std::optional<KernelSlot> target = KernelSlot::parse(kref);
  KernelState& state = kernel->state();
  if (!target || (target->isObject() ? !state.objectExists(*target) : !target->isPromise() || !state.promiseExists(*target))) {
    throw ConfigError(fmt::format("no such object or promise: {}", kref));
  }
  for (const std::string& s : args.slots) {
    std::optional<KernelSlot> k = KernelSlot::parse(s);
    if (!k || k->isDevice() || (k->isObject() ? !state.objectExists(*k) : !state.promiseExists(*k))) {
      throw ConfigError(fmt::format("argument slot {} is not a kernel object or promise", s));
    }
  }
  std::optional<std::string> kpid = kernel->queueToKref(kref, method, args, "ignore", noResult);
  if (kpid) state.incrementRefCount(*kpid);  // the host's interest
  return kpid;
}

std::optional<std::string> Controller::queueToKref(const std::string& kref, const std::string& method,
                                                   const std::string& argsCapData, bool noResult) {
  return impl_->queue(kref, method, hostArgs(argsCapData), noResult);
}

std::optional<std::string> Controller::queueToVatRoot(const std::string& vatName, const std::string& method,
                                                      const std::string& argsCapData, bool noResult) {
  // The arguments first: a refused request must not even mark the root reachable (rootKref()).
  CapData args = hostArgs(argsCapData);
  return impl_->queue(impl_->rootKref(impl_->vatIDFor(vatName)), method, args, noResult);
}

RunResult Controller::run(std::optional<uint64_t> maxCranks) {
  struct Limit : RunPolicy {
    std::optional<uint64_t> left;
    bool crankComplete(const CrankSummary&) override { return !left || --*left > 0; }
  } limit;
  limit.left = maxCranks;
  return RunResult{impl_->kernel->run(&limit)};
}

bool Controller::step() { return impl_->kernel->step(); }

PromiseStatus Controller::kpStatus(const std::string& kpid) {
  std::optional<KernelSlot> kp = KernelSlot::parse(kpid);
  if (!kp || !kp->isPromise() || !impl_->kernel->state().promiseExists(*kp)) throw ConfigError(fmt::format("unknown promise {}", kpid));
  switch (impl_->kernel->state().promiseState(*kp)) {
    case PromiseState::kUnresolved: return PromiseStatus::kUnresolved;
    case PromiseState::kFulfilled: return PromiseStatus::kFulfilled;
    case PromiseState::kRejected: return PromiseStatus::kRejected;
  }
  return PromiseStatus::kUnresolved;
}

std::string Controller::kpResolution(const std::string& kpid) {
  if (kpStatus(kpid) == PromiseStatus::kUnresolved) throw ConfigError(fmt::format("{} is unresolved", kpid));
  return impl_->kernel->state().getPromise(*KernelSlot::parse(kpid)).data.str();
}

std::optional<std::string> Controller::bootstrapResult() const { return impl_->bootstrapKpid; }

std::string Controller::validateAndInstallBundle(const std::string& bundleJson, const std::string& expectedID) {
  std::string error;
  std::optional<std::string> id = computeBundleID(bundleJson, error);
  if (!id) throw ConfigError(fmt::format("invalid bundle: {}", error));
  // As SwingSet's checkBundle: only endoZipBase64 bundles can be installed.
  if (!id->starts_with("b1-")) throw ConfigError(fmt::format("invalid bundle: not endoZipBase64 (its ID would be {})", *id));
  if (!expectedID.empty() && *id != expectedID) {
    throw ConfigError(fmt::format("bundle ID mismatch: expected {}, the bundle is {}", expectedID, *id));
  }
  impl_->store->kernelStorage().bundles().addBundle(*id, bundleJson);
  if (std::optional<std::string> vatAdmin = impl_->kernel->state().kv().get("vatAdminRootKref")) {
    impl_->kernel->queueToKref(*vatAdmin, "bundleInstalled", CapData{"#[" + quoteJson(*id) + "]", {}}, "logFailure");
  }
  return *id;
}

std::string Controller::exportVat(const std::string& vat, const fs::path& out) {
  impl_->store->kernelStorage().requireNotBroken();
  impl_->kernel->flushSnapshots();  // the span may already name a snapshot still being compressed
  VatArchive archive = exportVatArchive(impl_->store->kernelStorage(), impl_->kernel->state(), impl_->vatIDFor(vat));
  std::string payloadSha256;
  if (std::string error = writeFileAtomically(out, encodeVatArchive(archive, &payloadSha256)); !error.empty()) throw ConfigError(error);
  return payloadSha256;
}

ImportedVat Controller::importVat(const fs::path& archive, const std::string& name, const std::string& expectedSha256) {
  impl_->store->kernelStorage().requireNotBroken();
  std::optional<std::string> bytes = readFile(archive);
  if (!bytes) throw ConfigError(fmt::format("cannot read {}", archive.string()));
  VatArchive decoded = decodeVatArchive(*bytes, archive.string(), expectedSha256);
  return importVatArchive(impl_->store->kernelStorage(), *impl_->kernel, impl_->packages, decoded, name, archive.string());
}

std::string Controller::activityHash() { return impl_->store->kernelStorage().getActivityHash(); }
uint64_t Controller::crankNumber() { return impl_->kernel->state().crankNumber(); }

void Controller::commit() {
  impl_->store->kernelStorage().requireNotBroken();
  impl_->kernel->flushSnapshots();
  impl_->store->kernelStorage().kv().set(kOnlineVatsKey, toJson(Json(impl_->kernel->warehouse().onlineVats())));
  impl_->store->hostStorage().commit();
}

ControllerStats Controller::stats() {
  const WarehouseStats& w = impl_->kernel->warehouse().stats();
  return ControllerStats{w.deliveries, w.replayedDeliveries, w.workerSpawns, w.snapshotLoads, w.snapshotSaves, w.bornAhead};
}

void Controller::shutdown() {
  impl_->kernel->shutdown();
  impl_->store->hostStorage().close();
}

}  // namespace swingset
