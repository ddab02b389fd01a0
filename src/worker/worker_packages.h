#pragma once
// Where the pinned npm packages are (js/node_modules, set up by scripts/setup.sh) and the two
// worker bundles every xsnap vat starts with: lockdown first, then the liveslots supervisor.
#include <filesystem>
#include <string>

namespace swingset {

// A `nestedEvaluate` bundle file whose ID is `b0-` + sha256 of its exact bytes.
struct WorkerBundle {
  std::string bundleID;
  std::string text;        // the file, verbatim (what the bundle store keeps)
  std::string evalSource;  // "(" + source + "\n)()", what the worker evaluates
};

struct WorkerPackages {
  std::filesystem::path xsnapWorker;
  WorkerBundle lockdown;
  WorkerBundle supervisor;

  // From $SWINGSET_JS_DIR, else the js/ folder this build was configured with. Throws
  // ConfigError naming the missing file and pointing at scripts/setup.sh.
  static WorkerPackages locate();
};

std::filesystem::path jsDir();
// Parses a worker bundle file's text (throws ConfigError naming `what` if it is not one).
WorkerBundle parseWorkerBundle(std::string text, const std::string& what);

}  // namespace swingset
