#pragma once
// A host's handle on one SwingSet instance: a state directory, its kernel, devices and workers.
// One thread drives it. Nothing is durable until commit(); after a KernelPanic every call,
// commit() included, throws it again. Includes only std and swingset/.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "swingset/config.h"
#include "swingset/errors.h"

namespace swingset {

struct ControllerOptions {
  // Vat console output (userspace `console.*`), on the thread that drives the Controller. Lines a
  // transcript replay prints come only with replayConsole, when the vat comes online.
  std::function<void(const std::string& vatName, const std::string& level, const std::string& line)> onConsole;
  // Called while a restart replays a long transcript span (vatID, vat name, replayed, total); may
  // be called from a background thread that preloads vats.
  std::function<void(const std::string&, const std::string&, uint64_t, uint64_t)> onReplayProgress;
  std::chrono::milliseconds workerHangTimeout{0};  // 0: wait for a worker forever
  bool restartWorkerOnSnapshot = true;
  size_t maxVatsOnline = 50;
  bool replayConsole = false;  // print console output again while replaying transcripts
  // Run a new vat's startVat (a dynamic vat's, or a static vat's first) ahead of its crank, on
  // another core, when it needs nothing the cranks before it could change. The transcripts and
  // the state come out the same either way.
  bool bearAhead = true;
  // At open, bring back in the background the vats that were online at the last commit.
  bool preloadVats = true;
};

// Counters since open, for hosts to print; never part of consensus state.
struct ControllerStats {
  uint64_t deliveries = 0, replayedDeliveries = 0, workerSpawns = 0, snapshotLoads = 0, snapshotSaves = 0;
  uint64_t bornAhead = 0;  // new vats whose startVat ran ahead of their crank
};

enum class PromiseStatus { kUnresolved, kFulfilled, kRejected };

struct RunResult {
  uint64_t cranks = 0;
};

// A vat installed from an archive by Controller::importVat().
struct ImportedVat {
  std::string vatID;
  std::string name;      // "" if it has none: reach it by vatID
  std::string rootKref;  // pinned
};

class Controller {
 public:
  // Creates a new kernel in `stateDir` from `config`, queues bootstrap(vats, devices) with
  // `argvJson` (a JSON array) as the bootstrap vat's `argv` parameter, and commits. It does not
  // run. Throws ConfigError (nothing written) if the dir already holds a kernel or the config or
  // any bundle is unusable.
  static std::unique_ptr<Controller> initialize(const std::filesystem::path& stateDir, const Config& config,
                                                const std::string& argvJson, ControllerOptions options = {});
  // Opens an existing kernel. Vats are brought online lazily. Throws ConfigError if there is none.
  static std::unique_ptr<Controller> open(const std::filesystem::path& stateDir, ControllerOptions options = {});
  ~Controller();

  // Queues method(...args) to a vat's root; `vat` is a static vat's name, else the name of exactly
  // one live dynamic vat, else a vat ID. `argsCapData` is the capdata of the argument array.
  // Returns the result kpid (held by the host) unless noResult. ConfigError for an unknown vat or
  // malformed capdata.
  std::optional<std::string> queueToVatRoot(const std::string& vatName, const std::string& method,
                                            const std::string& argsCapData, bool noResult = false);
  std::optional<std::string> queueToKref(const std::string& kref, const std::string& method,
                                         const std::string& argsCapData, bool noResult = false);
  // Runs until there is no work (or `maxCranks`).
  RunResult run(std::optional<uint64_t> maxCranks = std::nullopt);
  bool step();
  PromiseStatus kpStatus(const std::string& kpid);
  std::string kpResolution(const std::string& kpid);  // capdata JSON; settled promises only
  // The bootstrap result promise, while this process created the kernel.
  std::optional<std::string> bootstrapResult() const;
  // Verifies and stores a bundle; returns its ID. ConfigError (nothing stored) if it is not a
  // valid bundle or does not match `expectedID`.
  std::string validateAndInstallBundle(const std::string& bundleJson, const std::string& expectedID = "");
  // Writes a self-contained archive of one vat to `out` (format and model:
  // src/controller/vat_archive.h) without starting its worker or changing any state. `vat` names
  // it as for queueToVatRoot. ConfigError, with no file written, if there is no such live vat or
  // it cannot move (it holds a device node, or has not started). Returns the payload's sha256.
  std::string exportVat(const std::string& vat, const std::filesystem::path& out);
  // Installs the archive at `archive` as a new dynamic vat, named `name` or, if "", as it was.
  // ConfigError, with nothing changed, if the file is damaged, its payload's sha256 is not
  // `expectedSha256` (when given: what exportVat returned), the name is taken, or this kernel
  // runs other worker bundles. Durable after commit(), like any change.
  ImportedVat importVat(const std::filesystem::path& archive, const std::string& name = "",
                        const std::string& expectedSha256 = "");
  std::string activityHash();
  uint64_t crankNumber();
  ControllerStats stats();
  void commit();
  // Stops every worker and closes the store, abandoning uncommitted writes. It takes no
  // snapshots: when snapshots fall is consensus state, and when a host stops is not.
  void shutdown();

  struct Impl;  // src/controller/controller.cc

 private:
  explicit Controller(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swingset
