// The foundation demo: one real xsnap worker running one real vat, no kernel yet. It loads the
// vat, greets a few guests (each a delivery whose syscalls are answered from an in-memory
// vatstore), takes a heap snapshot, restarts the vat from it, and shows that its heap survived.
// Later issues replace this with the kernel demo.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "swingset/errors.h"
#include "base/file.h"
#include "worker/snapshot_buffer.h"
#include "worker/xsnap_worker.h"

namespace swingset {
namespace {

using nlohmann::json;

// Plays the kernel's part for one vat: a vatstore, and the results the vat resolves.
class DemoKernel : public SyscallHandler, public ConsoleSink {
 public:
  std::map<std::string, std::string> vatstore;
  std::map<std::string, std::string> resolved;  // vpid -> capdata body
  int syscalls = 0;

  std::string syscall(std::string_view vso) override {
    syscalls++;
    json s = json::parse(vso);
    const std::string& kind = s[0].get_ref<const std::string&>();
    if (kind == "vatstoreGet") {
      auto it = vatstore.find(s[1]);
      return it == vatstore.end() ? R"(["ok",null])" : json::array({"ok", it->second}).dump();
    }
    if (kind == "vatstoreSet") vatstore[s[1]] = s[2];
    if (kind == "vatstoreDelete") vatstore.erase(s[1].get<std::string>());
    if (kind == "vatstoreGetNextKey") {
      auto it = vatstore.upper_bound(s[1]);
      return it == vatstore.end() ? R"(["ok",null])" : json::array({"ok", it->first}).dump();
    }
    if (kind == "resolve") {
      for (const json& r : s[1]) resolved[r[0]] = r[2]["body"];
    }
    return R"(["ok",null])";
  }
  void console(std::string_view vat, std::string_view source, std::string_view,
               const std::vector<std::string>& args) override {
    if (source != "vat") return;
    std::string line;
    for (const std::string& a : args) line += (line.empty() ? "" : " ") + a;
    fmt::print(stderr, "{}: {}\n", vat, line);
  }
};

int run(const std::string& bundlePath) {
  WorkerPackages packages = WorkerPackages::locate();
  DemoKernel kernel;
  XsnapOptions options;
  options.executable = packages.xsnapWorker;
  options.vatID = "v1";
  options.name = "greeter";
  options.console = &kernel;
  auto started = std::chrono::steady_clock::now();
  auto worker = XsnapWorker::start(options);
  std::optional<std::string> bundle = readFile(bundlePath);
  if (!bundle) throw ConfigError(fmt::format("cannot read {}", bundlePath));
  DeliveryResult r = worker->loadVat(packages, *bundle,
                                     R"({"enableDisavow":false,"relaxDurabilityRules":false})");
  if (!r.ok()) throw ConfigError(r.problem);
  r = worker->deliver(R"(["startVat",{"body":"#{\"greeting\":\"Hello\"}","slots":[]}])", kernel);
  if (!r.ok()) throw ConfigError(r.problem);
  fmt::print("vat v1 (greeter) started in {} ms, {} syscalls\n",
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count(),
             kernel.syscalls);

  int nextPromise = 60;
  auto send = [&](XsnapWorker& w, const std::string& method, const json& args) {
    std::string vpid = fmt::format("p-{}", nextPromise++);
    json methargs = {{"body", "#" + json::array({method, args}).dump()}, {"slots", json::array()}};
    json vdo = json::array({"message", "o+0", {{"methargs", methargs}, {"result", vpid}}});
    DeliveryResult res = w.deliver(vdo.dump(), kernel);
    if (!res.ok()) throw ConfigError(res.problem);
    fmt::print("  {}({}) -> {}   [{} computrons]\n", method, args.dump(), kernel.resolved[vpid], res.meter.compute);
  };
  for (const char* guest : {"Alice", "Bob", "Carol"}) send(*worker, "greet", json::array({guest}));

  SnapshotBuffer snapshot;
  SavedSnapshot info = worker->saveSnapshot(snapshot);
  worker->shutdown();
  fmt::print("heap snapshot: {} bytes, sha256 {}; worker stopped\n", info.size, info.hash.substr(0, 16));
  auto restored = XsnapWorker::startFromSnapshot(options, snapshot, "v1-demo");
  fmt::print("new worker started from the snapshot; the guest book lives only in its heap:\n");
  send(*restored, "guests", json::array());
  send(*restored, "greet", json::array({"Dave"}));
  restored->shutdown();
  return 0;
}

}  // namespace
}  // namespace swingset

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s VAT_BUNDLE.json\n", argv[0]);
    return 64;
  }
  try {
    return swingset::run(argv[1]);
  } catch (const std::exception& e) {  // the only catch: report and exit non-zero
    std::fprintf(stderr, "worker-demo: %s\n", e.what());
    return 1;
  }
}
