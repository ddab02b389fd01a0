// store_crash_child DIR: commits block after block until killed, for crash_test.cc. Block N sets
// gen = N and k.0..k.9 = N and adds one transcript item to v1, in one crank, commits, then prints
// "committed N". So a sound store always holds k.* == gen == the number of v1 items.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "store/kv_store.h"
#include "store/swing_store.h"
#include "store/transcript_store.h"

int main(int argc, char** argv) {
  using namespace swingset;
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_crash_child DIR\n");
    return 2;
  }
  auto store = SwingStore::open(argv[1]);
  KernelStorage& k = store->kernelStorage();
  uint64_t gen = std::stoull(k.kv().get("gen").value_or("0"));
  if (gen == 0) k.transcripts().initTranscript("v1");
  for (;;) {
    gen++;
    k.startCrank();
    k.establishCrankSavepoint("start");
    std::string n = std::to_string(gen);
    k.kv().set("gen", n);
    for (int i = 0; i < 10; i++) k.kv().set(fmt::format("k.{}", i), n);
    k.transcripts().addItem("v1", fmt::format(R"({{"d":["message",{}]}})", n));
    k.endCrank();
    store->hostStorage().commit();
    std::printf("committed %s\n", n.c_str());
    std::fflush(stdout);
  }
}
