#include "controller/bundle_loader.h"
#include "base/file.h"

#include <fmt/format.h>

#include "base/fd.h"
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
  // The bundle comes back on a pipe, not in a temp file: a kernel killed mid-bundling leaves none.
  Pipe out = makePipe();
  SpawnSpec spec;
  spec.path = "/usr/bin/env";
  spec.argv = {"env", "node", (jsDir() / "bundle-vat.mjs").string(), source.sourceSpec->string(), "-"};
  spec.fds = {{1, out.write.get()}};
  ChildProcess node(spec);
  out.write.reset();  // EOF once the child exits
  std::string json;
  char buf[1 << 16];
  size_t got = 0;
  IoStatus io;
  while ((io = readSome(out.read.get(), buf, sizeof buf, got, kNoDeadline)) == IoStatus::kOk) json.append(buf, got);
  ExitStatus st = *node.wait();
  if (st.signaled || st.code != 0 || io != IoStatus::kEof) {
    throw ConfigError(fmt::format("{}: bundling {} failed ({}); is Node installed (scripts/setup.sh)?", what,
                                  source.sourceSpec->string(), st.describe()));
  }
  return json;
}

}  // namespace swingset
