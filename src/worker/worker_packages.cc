#include "worker/worker_packages.h"
#include "base/file.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/sha.h"
#include "swingset/errors.h"

namespace swingset {
namespace fs = std::filesystem;

fs::path jsDir() {
  if (const char* env = std::getenv("SWINGSET_JS_DIR"); env && *env) return env;
  return SWINGSET_DEFAULT_JS_DIR;
}

namespace {

std::string readPackageFile(const fs::path& p) {
  std::optional<std::string> text = readFile(p);
  if (!text) {
    throw ConfigError(fmt::format("cannot read {} (run scripts/setup.sh to install the pinned "
                                  "npm packages, or set SWINGSET_JS_DIR)",
                                  p.string()));
  }
  return *text;
}

}  // namespace

WorkerBundle parseWorkerBundle(std::string text, const std::string& what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("source") || !j["source"].is_string()) {
    throw ConfigError(fmt::format("{} is not a bundle with a `source` string", what));
  }
  std::string format = j.value("moduleFormat", "");
  if (format != "nestedEvaluate" && format != "getExport") {
    throw ConfigError(fmt::format("{} has moduleFormat '{}'; a worker bundle must be "
                                  "nestedEvaluate or getExport",
                                  what, format));
  }
  WorkerBundle b;
  b.bundleID = "b0-" + sha256Hex(text);
  // The JS manager evaluates `(${source}\n)()`.trim(); the trim is a no-op for real bundles.
  b.evalSource = "(" + j["source"].get<std::string>() + "\n)()";
  b.text = std::move(text);
  return b;
}

WorkerPackages WorkerPackages::locate() {
  fs::path nm = jsDir() / "node_modules";
  WorkerPackages p;
  p.xsnapWorker = nm / "@agoric/xsnap/xsnap-native/xsnap/build/bin/lin/release/xsnap-worker";
  if (!fs::exists(p.xsnapWorker)) {
    throw ConfigError(fmt::format("no xsnap-worker at {} (run scripts/setup.sh, or set "
                                  "SWINGSET_JS_DIR to the folder holding node_modules)",
                                  p.xsnapWorker.string()));
  }
  fs::path lockdown = nm / "@agoric/xsnap-lockdown/dist/lockdown.bundle";
  fs::path supervisor = nm / "@agoric/swingset-xsnap-supervisor/dist/supervisor.bundle";
  p.lockdown = parseWorkerBundle(readPackageFile(lockdown), lockdown.string());
  p.supervisor = parseWorkerBundle(readPackageFile(supervisor), supervisor.string());
  return p;
}

}  // namespace swingset
