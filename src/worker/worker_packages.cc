#include "worker/worker_packages.h"
#include "base/file.h"

#include <cstdlib>

#include <fmt/format.h>

#include "base/json.h"
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

WorkerBundle readWorkerBundle(const fs::path& path) {
  WorkerBundle b;
  b.path = path;
  b.text = readPackageFile(path);
  b.bundleID = "b0-" + sha256Hex(b.text);
  return b;
}

}  // namespace

std::string WorkerBundle::evalSource() const {
  std::optional<Json> j = parseJson(text);
  auto stringField = [&](const char* key) -> std::optional<std::string> {
    if (!j || !j->is_object()) return std::nullopt;
    auto it = j->find(key);
    return it != j->end() && it->is_string() ? std::optional(it->get<std::string>()) : std::nullopt;
  };
  std::optional<std::string> source = stringField("source");
  if (!source) throw ConfigError(fmt::format("{} is not a bundle with a `source` string", path.string()));
  std::string format = stringField("moduleFormat").value_or("");
  if (format != "nestedEvaluate" && format != "getExport") {
    throw ConfigError(fmt::format("{} has moduleFormat '{}'; a worker bundle must be "
                                  "nestedEvaluate or getExport",
                                  path.string(), format));
  }
  // The JS manager evaluates `(${source}\n)()`.trim(); the trim is a no-op for real bundles.
  return "(" + *source + "\n)()";
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
  p.lockdown = readWorkerBundle(nm / "@agoric/xsnap-lockdown/dist/lockdown.bundle");
  p.supervisor = readWorkerBundle(nm / "@agoric/swingset-xsnap-supervisor/dist/supervisor.bundle");
  return p;
}

}  // namespace swingset
