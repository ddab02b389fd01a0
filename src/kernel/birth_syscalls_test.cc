// BirthSyscalls against the real VatSyscalls: what a new vat's startVat is told ahead of its crank
// must be exactly what the kernel would have told it in the crank, and the crank must see every
// syscall, in order.
#include "kernel/birth_syscalls.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <thread>

#include "kernel/kernel.h"
#include "kernel/vat_syscalls.h"
#include "store/swing_store.h"

namespace swingset {
namespace {

class BirthSyscallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_->kernelStorage().startCrank();
    kernel_.state().createStartingKeys();
    for (const char* id : {"v1", "v2"}) {
      kernel_.state().allocateVatID();
      VatState(kernel_.state(), id).initialize(R"({"bundleID":"b1-x"})", R"({"name":"t"})");
    }
  }
  // Runs `vsos` as a vat's delivery ahead of its crank, then adopts it into vat v2's real
  // syscalls; returns the answers the vat got.
  std::vector<std::string> bornAhead(const std::vector<std::string>& vsos) {
    BirthSyscalls birth;
    std::vector<std::string> got;
    std::thread vat([&] {
      EXPECT_TRUE(birth.begin(true, 0));  // no worker to kill
      for (const std::string& vso : vsos) got.push_back(birth.syscall(vso));
      birth.finish();
    });
    EXPECT_TRUE(birth.waitUntilBegun());
    VatSyscalls real(kernel_, "v2");
    birth.adopt(real);
    vat.join();
    return got;
  }
  std::vector<std::string> inCrank(const std::vector<std::string>& vsos) {
    VatSyscalls real(kernel_, "v1");
    std::vector<std::string> got;
    for (const std::string& vso : vsos) got.push_back(real.syscall(vso));
    return got;
  }
  std::vector<std::pair<std::string, std::string>> vatstore(const std::string& vatID) {
    std::vector<std::pair<std::string, std::string>> out;
    VatState vat(kernel_.state(), vatID);
    for (std::optional<std::string> k = vat.vatstoreGetNextKey(""); k; k = vat.vatstoreGetNextKey(*k)) {
      out.emplace_back(*k, vat.vatstoreGet(*k).value_or("?"));
    }
    return out;
  }

  std::unique_ptr<SwingStore> store_ = SwingStore::openInMemory();
  WorkerPackages packages_;  // no vat is brought online here
  Kernel kernel_{store_->kernelStorage(), packages_, KernelOptions{}};
};

TEST_F(BirthSyscallsTest, AnswersAsTheCrankWouldThenHandsOver) {
  const std::vector<std::string> vsos = {
      R"(["vatstoreGet","idCounters"])",
      R"(["vatstoreSet","b","1"])",
      R"(["vatstoreSet","a","2"])",
      R"(["vatstoreSet","empty",""])",
      R"(["vatstoreGet","empty"])",  // "" reads back as null
      R"(["vatstoreSet","z","3"])",
      R"(["vatstoreSet","\u00e9","4"])",  // é sorts after z, bytewise
      R"(["vatstoreGetNextKey",""])",
      R"(["vatstoreGetNextKey","a"])",
      R"(["vatstoreGetNextKey","z"])",
      R"(["vatstoreGetNextKey","\u00e9"])",
      R"(["vatstoreDelete","a"])",
      R"(["vatstoreGet","a"])",
      R"(["vatstoreGet","b"])",
      R"(["exit",false,{"body":"#null","slots":[]}])",  // not a vatstore syscall: waits for the crank
      R"(["vatstoreGet","b"])",
      R"(["vatstoreSet","k"])",  // malformed: the kernel's to refuse
      R"(["vatstoreGet","b"])",  // refused too, after an illegal syscall
  };
  std::vector<std::string> expected = inCrank(vsos);
  EXPECT_EQ(expected[8], R"(["ok","b"])");
  EXPECT_EQ(expected[10], R"(["ok",null])");
  EXPECT_EQ(bornAhead(vsos), expected);
  EXPECT_EQ(vatstore("v2"), vatstore("v1"));
}

TEST_F(BirthSyscallsTest, AnAbandonedBirthGetsErrorsItsWorkerKilledAndTheKernelNothing) {
  pid_t worker = 0;  // stands for a worker stuck in its startVat
  char sleep[] = "sleep", forever[] = "600";
  char* argv[] = {sleep, forever, nullptr};
  ASSERT_EQ(posix_spawnp(&worker, "sleep", nullptr, nullptr, argv, environ), 0);
  BirthSyscalls birth;
  EXPECT_TRUE(birth.begin(true, worker));
  EXPECT_EQ(birth.syscall(R"(["vatstoreSet","a","1"])"), R"(["ok",null])");
  std::vector<std::string> got;
  std::thread vat([&] {
    got.push_back(birth.syscall(R"(["exit",false,{"body":"#null","slots":[]}])"));  // waits for a crank
    got.push_back(birth.syscall(R"(["vatstoreGet","a"])"));
  });
  birth.abandon();  // while it waits, or before it asks: either way no crank answers
  vat.join();
  int status = 0;
  ASSERT_EQ(waitpid(worker, &status, 0), worker);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  birth.finish();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].substr(0, 9), R"(["error",)");
  EXPECT_EQ(got[1].substr(0, 9), R"(["error",)");
  EXPECT_EQ(vatstore("v2"), (std::vector<std::pair<std::string, std::string>>{}));
}

TEST_F(BirthSyscallsTest, AnAbandonedBirthNeverBegins) {
  BirthSyscalls birth;
  birth.abandon();
  EXPECT_FALSE(birth.begin(true, 0));
  birth.finish();
  EXPECT_FALSE(birth.waitUntilBegun());
}

TEST_F(BirthSyscallsTest, ADeliveryThatNeverBeganIsSaidSo) {
  BirthSyscalls failed;
  std::thread t([&] { failed.finish(); });  // e.g. its worker did not start
  EXPECT_FALSE(failed.waitUntilBegun());
  t.join();
}

}  // namespace
}  // namespace swingset
