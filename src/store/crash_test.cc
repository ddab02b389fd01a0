// Crash safety with real processes: SIGKILL store_crash_child at a random moment, reopen its
// store and check that it holds exactly the blocks committed so far, then let the next child
// continue from there. SWINGSET_CRASH_TRIALS sets the number of kills (default 30).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <random>
#include <string>

#include "base/fd.h"
#include "base/subprocess.h"
#include "store/kv_store.h"
#include "store/swing_store.h"
#include "store/test_util.h"
#include "store/transcript_store.h"

namespace swingset {
namespace {

// The last N in "committed N" lines of `out`, or `fallback` if there is none.
uint64_t lastCommitted(const std::string& out, uint64_t fallback) {
  size_t at = out.rfind("committed ");
  if (at == std::string::npos) return fallback;
  size_t end = out.find('\n', at);
  if (end == std::string::npos) {  // a partial last line: use the one before
    return lastCommitted(out.substr(0, at), fallback);
  }
  return std::stoull(out.substr(at + 10, end - at - 10));
}

TEST(StoreCrashTest, KillNineNeverLeavesAPartialBlock) {
  const char* env = std::getenv("SWINGSET_CRASH_TRIALS");
  const int trials = env ? std::atoi(env) : 30;
  const unsigned seed = std::random_device{}();
  std::printf("crash test seed %u, %d trials\n", seed, trials);
  std::mt19937 rng(seed);
  testing::TempDir dir;
  uint64_t gen = 0;

  for (int trial = 0; trial < trials; trial++) {
    Pipe out = makePipe();
    ChildProcess child(
        {STORE_CRASH_CHILD, {"store_crash_child", dir.path().string()}, {{1, out.write.get()}}});
    out.write.reset();
    std::string printed;
    char buf[4096];
    auto readUntil = [&](Clock::time_point deadline, bool stopAtFirstLine) {
      while (!(stopAtFirstLine && printed.find('\n') != std::string::npos)) {
        size_t got = 0;
        if (readSome(out.read.get(), buf, sizeof buf, got, deadline) != IoStatus::kOk) return;
        printed.append(buf, got);
      }
    };
    // Even trials count the delay from the spawn, so some kills land while the store opens; odd
    // trials from the first commit, so more land mid-block.
    if (trial % 2 == 1) readUntil(Clock::now() + std::chrono::seconds(10), true);
    readUntil(Clock::now() + std::chrono::milliseconds(rng() % 51), false);
    child.kill(SIGKILL);
    std::optional<ExitStatus> status = child.wait();
    ASSERT_TRUE(status && status->signaled)
        << "child ended on its own: " << (status ? status->describe() : "?") << "\n"
        << printed;
    readUntil(kNoDeadline, false);  // what it printed before dying
    uint64_t last = lastCommitted(printed, gen);

    auto store = SwingStore::open(dir.path());
    KVStore& kv = store->kernelStorage().kv();
    uint64_t now = std::stoull(kv.get("gen").value_or("0"));
    // The kill may land between COMMIT and the print.
    EXPECT_TRUE(now == last || now == last + 1)
        << "trial " << trial << " seed " << seed << ": gen " << now << ", last printed " << last;
    EXPECT_GE(now, gen) << "trial " << trial << " lost committed blocks";
    for (int i = 0; i < 10; i++)
      EXPECT_EQ(kv.get(fmt::format("k.{}", i)).value_or("0"), std::to_string(now))
          << "trial " << trial << " seed " << seed;
    if (now > 0) {
      SpanBounds span = store->kernelStorage().transcripts().getCurrentSpanBounds("v1");
      EXPECT_EQ(span.endPos, now) << "trial " << trial << " seed " << seed;
    }
    if (::testing::Test::HasFailure()) return;
    gen = now;
  }
  std::printf("ended at gen %llu\n", static_cast<unsigned long long>(gen));
}

}  // namespace
}  // namespace swingset
