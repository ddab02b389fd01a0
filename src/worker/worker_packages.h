#pragma once
// Where the pinned npm packages are (js/node_modules, set up by scripts/setup.sh) and the two
// worker bundles every xsnap vat starts with: lockdown first, then the liveslots supervisor.
#include <filesystem>
#include <string>
#include <vector>

namespace swingset {

// A `nestedEvaluate` bundle file whose ID is `b0-` + sha256 of its exact bytes.
struct WorkerBundle {
  std::filesystem::path path;
  std::string bundleID;
  std::string text;  // the file, verbatim (what the bundle store keeps)

  // "(" + source + "\n)()", what a fresh worker evaluates. Parsed when asked for, not when the
  // packages are located: most processes start every worker from a snapshot and never need it.
  // Throws ConfigError naming the file if it is not a nestedEvaluate or getExport bundle.
  std::string evalSource() const;
};

struct WorkerPackages {
  std::filesystem::path xsnapWorker;
  WorkerBundle lockdown;
  WorkerBundle supervisor;

  // [lockdown, supervisor]: what a vat's vNN.options.workerOptions.bundleIDs records.
  std::vector<std::string> bundleIDs() const { return {lockdown.bundleID, supervisor.bundleID}; }

  // From $SWINGSET_JS_DIR, else the js/ folder this build was configured with. Throws
  // ConfigError naming the missing file and pointing at scripts/setup.sh.
  static WorkerPackages locate();
};

std::filesystem::path jsDir();

}  // namespace swingset
