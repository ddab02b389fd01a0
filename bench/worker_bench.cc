// Floor figures for one real xsnap worker: what a delivery, a syscall upcall, a heap snapshot and
// a worker start cost with a "kernel" that costs nothing. Every later kernel figure is compared
// to these. Prints figures; asserts nothing about time.
//   build/bench/worker_bench [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "worker/snapshot_buffer.h"
#include "base/file.h"
#include "worker/xsnap_worker.h"

namespace swingset {
namespace {

using Ms = std::chrono::duration<double, std::milli>;

// Answers every syscall at once from a map (vatstore) and counts them.
class InstantKernel : public SyscallHandler {
 public:
  std::map<std::string, std::string, std::less<>> vatstore;
  uint64_t count = 0;
  std::string syscall(std::string_view vso) override {
    count++;
    // Only startVat reads the vatstore in a way that matters; answer every get "absent" except
    // what was set, found by a cheap scan of the key in the text.
    if (vso.starts_with(R"(["vatstoreSet",")")) {
      size_t k0 = 16, k1 = vso.find('"', k0);
      vatstore[std::string(vso.substr(k0, k1 - k0))] = "1";
    }
    return R"(["ok",null])";
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double timeMs(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return Ms(std::chrono::steady_clock::now() - t0).count();
}

void run(int rounds) {
  WorkerPackages packages = WorkerPackages::locate();
  std::string bundle = readFile(SWINGSET_BENCH_BUNDLE).value();
  InstantKernel kernel;
  XsnapOptions options;
  options.executable = packages.xsnapWorker;
  options.vatID = "v1";
  options.name = "counter";
  const std::string ls = R"({"enableDisavow":false,"relaxDurabilityRules":false})";

  std::vector<double> fresh;
  std::unique_ptr<XsnapWorker> w;
  for (int i = 0; i < 5; i++) {
    fresh.push_back(timeMs([&] {
      w = XsnapWorker::start(options);
      w->loadVat(packages, bundle, ls);
      w->deliver(R"(["startVat",{"body":"#{}","slots":[]}])", kernel);
    }));
  }
  fmt::print("fresh worker to vat ready (spawn, lockdown, supervisor, setBundle, startVat): median {:.1f} ms\n", median(fresh));

  // What a new dynamic vat costs us at least: a worker from a snapshot taken right after lockdown
  // and the supervisor (the kernel keeps one warm, so its start is off the createVat path), then
  // the vat's own setBundle and startVat.
  SnapshotBuffer supervisor;
  {
    auto s = XsnapWorker::start(options);
    s->loadSupervisor(packages);
    s->saveSnapshot(supervisor);
  }
  std::vector<double> spare, vatStart;
  for (int i = 0; i < 5; i++) {
    std::unique_ptr<XsnapWorker> v;
    spare.push_back(timeMs([&] { v = XsnapWorker::startFromSnapshot(options, supervisor, "supervisor"); }));
    vatStart.push_back(timeMs([&] {
      v->setBundle(bundle, ls);
      v->deliver(R"(["startVat",{"body":"#{}","slots":[]}])", kernel);
    }));
  }
  fmt::print("worker from the supervisor snapshot: median {:.1f} ms; then setBundle + startVat: median {:.1f} ms\n",
             median(spare), median(vatStart));

  auto perDelivery = [&](const std::string& vdo, const char* what) {
    for (int i = 0; i < 50; i++) w->deliver(vdo, kernel);  // warm up
    uint64_t sc0 = kernel.count;
    std::vector<double> t;
    for (int i = 0; i < rounds; i++) t.push_back(timeMs([&] { w->deliver(vdo, kernel); }));
    fmt::print("{:<58} median {:7.3f} ms  ({:.1f} syscalls each)\n", what, median(t),
               double(kernel.count - sc0) / rounds);
  };
  perDelivery(R"(["message","o+0",{"methargs":{"body":"#[\"ping\",[1]]","slots":[]},"result":null}])",
              "delivery round trip: message ping(1), no result");
  perDelivery(R"(["message","o+0",{"methargs":{"body":"#[\"ping\",[1]]","slots":[]},"result":"p-60"}])",
              "delivery round trip: message ping(1) -> result");
  perDelivery(R"(["bringOutYourDead"])", "delivery round trip: bringOutYourDead");

  // One upcall's round trip, from a bare machine calling issueCommand in a loop.
  auto bare = XsnapWorker::start(options);
  const int upcalls = rounds * 10;
  std::string loop = fmt::format(
      "const b = new TextEncoder().encode('[\"testLog\"]').buffer; for (let i = 0; i < {}; i++) issueCommand(b);", upcalls);
  bare->evaluate(loop);  // warm up
  std::vector<double> up;
  for (int i = 0; i < 5; i++) up.push_back(timeMs([&] { bare->evaluate(loop); }) / upcalls);
  fmt::print("{:<58} median {:7.3f} ms\n", "one upcall round trip (issueCommand -> answer)", median(up));

  std::vector<double> save, load;
  uint64_t size = 0;
  for (int i = 0; i < 5; i++) {
    SnapshotBuffer snap;
    save.push_back(timeMs([&] { size = w->saveSnapshot(snap).size; }));
    load.push_back(timeMs([&] {
      auto r = XsnapWorker::startFromSnapshot(options, snap, "v1-bench");
    }));
  }
  fmt::print("heap snapshot: {:.1f} MB; write (into a memfd, hashed as it grows) median {:.1f} ms; "
             "new worker from it until ready median {:.1f} ms\n",
             size / 1e6, median(save), median(load));
}

}  // namespace
}  // namespace swingset

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 1000;
  fmt::print("worker_bench: xsnap-worker floor figures, {} rounds per delivery figure\n", rounds);
  swingset::run(rounds);
}
