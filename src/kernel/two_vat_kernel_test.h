#pragma once
// A test fixture: a kernel on an in-memory store with two vats, v1 and v2, recorded but never
// brought online, inside an open crank. For unit tests of what syscalls do to kernel state.
#include <gtest/gtest.h>

#include <memory>

#include "kernel/kernel.h"
#include "kernel/state/vat_state.h"
#include "store/swing_store.h"

namespace swingset {

class TwoVatKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_->kernelStorage().startCrank();
    kernel_.state().createStartingKeys();
    for (const char* id : {"v1", "v2"}) {
      kernel_.state().allocateVatID();
      VatState(kernel_.state(), id).initialize(R"({"bundleID":"b1-x"})", R"({"name":"t"})");
    }
  }

  std::unique_ptr<SwingStore> store_ = SwingStore::openInMemory();
  WorkerPackages packages_;
  Kernel kernel_{store_->kernelStorage(), packages_, KernelOptions{}};
};

}  // namespace swingset
