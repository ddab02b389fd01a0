// What the SQLite swing-store costs per kernel operation: kvStore writes committed per block,
// vatstore-shaped reads and scans, and transcript appends. Every store is a real file in a temp
// dir (WAL, synchronous=FULL), so commit figures include the fsync. Prints figures only.
//   build/bench/store_bench [--benchmark_min_time=0.2]
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <benchmark/benchmark.h>

#include "store/kv_store.h"
#include "store/swing_store.h"
#include "store/test_util.h"
#include "store/transcript_store.h"

namespace swingset {
namespace {

using testing::TempDir;

constexpr int kVatstoreKeys = 100'000;
const std::string kPrefix = "v1.vs.vc.1.s";

std::string vatstoreKey(uint64_t n) { return kPrefix + std::to_string(n); }

// Runs fn(kv) inside one crank, then commits, as the kernel and its host do per block.
template <class F>
void crankAndCommit(SwingStore& store, F&& fn) {
  KernelStorage& ks = store.kernelStorage();
  ks.startCrank();
  fn(ks.kv());
  ks.endCrank();
  store.hostStorage().commit();
}

// (a) A crank whose vat writes N fresh vatstore keys, then the host's commit (one fsync).
void BM_SetThenCommit(benchmark::State& state) {
  TempDir dir;
  auto store = SwingStore::open(dir.path());
  const int64_t n = state.range(0);
  uint64_t next = 0;
  for (auto _ : state) {
    crankAndCommit(*store, [&](KVStore& kv) {
      for (int64_t i = 0; i < n; i++) kv.set(vatstoreKey(next++), "{\"body\":\"#1\",\"slots\":[]}");
    });
  }
  state.counters["sets/s"] =
      benchmark::Counter(static_cast<double>(n * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["commits/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SetThenCommit)->Arg(1)->Arg(100)->Arg(10000)->UseRealTime();

// (d) The one transcript item a delivery appends (300 bytes), in an open crank; committed after.
void BM_TranscriptAddItem(benchmark::State& state) {
  TempDir dir;
  auto store = SwingStore::open(dir.path());
  TranscriptStore& ts = store->kernelStorage().transcripts();
  ts.initTranscript("v1");
  store->hostStorage().commit();
  const std::string item(300, 'x');
  store->kernelStorage().startCrank();
  for (auto _ : state) ts.addItem("v1", item);
  store->kernelStorage().endCrank();
  store->hostStorage().commit();
  state.counters["items/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TranscriptAddItem)->UseRealTime();

// A committed store holding kVatstoreKeys vatstore keys, shared by the read benchmarks.
struct VatstoreFixture {
  TempDir dir;
  std::unique_ptr<SwingStore> store;
  VatstoreFixture() : store(SwingStore::open(dir.path())) {
    crankAndCommit(*store, [](KVStore& kv) {
      for (int i = 0; i < kVatstoreKeys; i++)
        kv.set(vatstoreKey(i), "{\"body\":\"#1\",\"slots\":[]}");
    });
  }
};

// (b) vatstoreGetNextKey, as a vat walking its collection (one step per syscall); wraps at the end.
void BM_GetNextKey(benchmark::State& state, KVStore& kv) {
  std::string key = kPrefix;
  for (auto _ : state) {
    std::optional<std::string> next = kv.getNextKey(key);
    key = (next && next->starts_with(kPrefix)) ? std::move(*next) : kPrefix;
  }
  state.counters["keys/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// (c) vatstoreGet of a present key (hit) or an absent one (miss), at scattered positions.
void BM_Get(benchmark::State& state, KVStore& kv, bool hit) {
  uint64_t x = 12345;
  for (auto _ : state) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;  // LCG: spread the lookups
    uint64_t n = (x >> 33) % kVatstoreKeys;
    benchmark::DoNotOptimize(kv.get(hit ? vatstoreKey(n) : kPrefix + "x" + std::to_string(n)));
  }
  state.counters["gets/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace
}  // namespace swingset

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  swingset::VatstoreFixture fixture;  // outlives every benchmark registered below
  swingset::KVStore& kv = fixture.store->kernelStorage().kv();
  benchmark::RegisterBenchmark("BM_GetNextKey/100k", swingset::BM_GetNextKey, std::ref(kv))
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Get/100k/hit", swingset::BM_Get, std::ref(kv), true)
      ->UseRealTime();
  benchmark::RegisterBenchmark("BM_Get/100k/miss", swingset::BM_Get, std::ref(kv), false)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
