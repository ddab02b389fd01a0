#include "controller/bundle_loader.h"
#include "base/file.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "swingset/errors.h"
#include "worker/worker_packages.h"

namespace swingset {
namespace fs = std::filesystem;
namespace {

std::string readBundleFile(const fs::path& p, const std::string& what) {
  std::optional<std::string> text = readFile(p);
  if (!text) throw ConfigError(fmt::format("{}: cannot read {}", what, p.string()));
  return *text;
}

}  // namespace

std::string loadBundleJson(const BundleSource& source, const std::string& what) {
  if (source.bundleJson) return *source.bundleJson;
  if (source.bundleSpec) return readBundleFile(*source.bundleSpec, what);
  if (!source.sourceSpec) throw ConfigError(fmt::format("{}: no bundle source", what));
  fs::path out = fs::temp_directory_path() / fmt::format("swingset-bundle-{}-{}.json", ::getpid(), std::hash<std::string>{}(what));
  SpawnSpec spec;
  spec.path = "/usr/bin/env";
  spec.argv = {"env", "node", (jsDir() / "bundle-vat.mjs").string(), source.sourceSpec->string(), out.string()};
  ChildProcess node(spec);
  ExitStatus st = *node.wait();
  if (st.signaled || st.code != 0) {
    fs::remove(out);
    throw ConfigError(fmt::format("{}: bundling {} failed ({}); is Node installed (scripts/setup.sh)?", what,
                                  source.sourceSpec->string(), st.describe()));
  }
  std::string json = readBundleFile(out, what);
  fs::remove(out);
  return json;
}

}  // namespace swingset
