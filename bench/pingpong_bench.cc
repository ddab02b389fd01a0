// Ping-pong between two vats on the real kernel, with SwingSet's defaults (a bringOutYourDead
// after every delivery; a heap snapshot every 200 deliveries, the worker restarted from it).
// Per round trip: 6 cranks, 4 deliveries, 4 syscalls. Prints one JSON line per rally. The kernel
// in-process, no host protocol: for profiling (perf record). The side-by-side figures with the JS
// kernel and the worker floor come from bench/compare.py.
//   build/bench/pingpong_bench [N] [RALLIES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "swingset/controller.h"

int main(int argc, char** argv) {
  using namespace swingset;
  int n = argc > 1 ? std::atoi(argv[1]) : 500;
  int rallies = argc > 2 ? std::atoi(argv[2]) : 2;
  std::filesystem::path state = std::filesystem::temp_directory_path() / fmt::format("swingset-pingpong-{}", ::getpid());
  Config config = Config::load(SWINGSET_PINGPONG_CONFIG);
  auto c = Controller::initialize(state, config, "[]");
  c->run();
  auto rally = [&](int count) {
    c->queueToVatRoot("bootstrap", "rally", fmt::format(R"({{"body":"#[{}]","slots":[]}})", count));
    auto t0 = std::chrono::steady_clock::now();
    uint64_t cranks = c->run().cranks;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c->commit();
    return std::pair{s, cranks};
  };
  rally(20);  // warm up: both vats past their first snapshots, as the floor benchmark does
  for (int r = 0; r < rallies; r++) {
    auto [s, cranks] = rally(n);
    fmt::print(R"({{"what":"pingpong-cpp","n":{},"rally":{},"total_s":{:.4f},"ms_per_rt":{:.3f},"rt_per_s":{:.2f},"cranks":{}}})"
               "\n", n, r, s, 1e3 * s / n, n / s, cranks);
    std::fflush(stdout);
  }
  c->shutdown();
  std::filesystem::remove_all(state);
}
