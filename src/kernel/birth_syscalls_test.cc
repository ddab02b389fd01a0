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
#include "kernel/two_vat_kernel_test.h"
#include "kernel/vat_syscalls.h"
#include "store/swing_store.h"

namespace swingset {
namespace {

// A process that would run for 10 minutes unless killed.
pid_t sleeper() {
  pid_t pid = 0;
  char sleep[] = "sleep", forever[] = "600";
  char* argv[] = {sleep, forever, nullptr};
  return posix_spawnp(&pid, "sleep", nullptr, nullptr, argv, environ) == 0 ? pid : -1;
}

bool killed(pid_t pid) {
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

class BirthSyscallsTest : public TwoVatKernelTest {
 protected:
  // Runs `vsos` as a vat's delivery ahead of its crank, then adopts it into vat v2's real
  // syscalls; returns the answers the vat got.
  std::vector<std::string> bornAhead(const std::vector<std::string>& vsos) {
    BirthSyscalls birth;
    std::vector<std::string> got;
    std::thread vat([&] {
      EXPECT_TRUE(birth.begin(true));
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
  pid_t worker = sleeper();  // stands for a worker stuck in its startVat
  BirthSyscalls birth;
  birth.setWorker(worker);
  EXPECT_TRUE(birth.begin(true));
  EXPECT_EQ(birth.syscall(R"(["vatstoreSet","a","1"])"), R"(["ok",null])");
  std::vector<std::string> got;
  std::thread vat([&] {
    got.push_back(birth.syscall(R"(["exit",false,{"body":"#null","slots":[]}])"));  // waits for a crank
    got.push_back(birth.syscall(R"(["vatstoreGet","a"])"));
  });
  birth.abandon();  // while it waits, or before it asks: either way no crank answers
  vat.join();
  EXPECT_TRUE(killed(worker));
  birth.finish();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].substr(0, 9), R"(["error",)");
  EXPECT_EQ(got[1].substr(0, 9), R"(["error",)");
  EXPECT_EQ(vatstore("v2"), (std::vector<std::pair<std::string, std::string>>{}));
}

TEST_F(BirthSyscallsTest, ABirthAbandonedWhileItsWorkerStartsNeverBegins) {
  pid_t worker = sleeper();  // stands for a worker still loading its bundle
  BirthSyscalls birth;
  birth.abandon();
  birth.setWorker(worker);  // killed at once
  EXPECT_TRUE(killed(worker));
  EXPECT_FALSE(birth.begin(true));
  birth.finish();
  EXPECT_FALSE(birth.waitUntilBegun());
}

// The crank panics while the vat waits for an answer (the store failed): abandoning the birth, as
// dropping it does, must release the vat's thread, or the panic would wait for it forever.
TEST_F(BirthSyscallsTest, ACrankThatThrowsMidwayLeavesTheBirthToAbandon) {
  struct Failing : SyscallHandler {
    std::string syscall(std::string_view) override { throw std::runtime_error("disk full"); }
  } failing;
  BirthSyscalls birth;
  std::string got;
  std::thread vat([&] {
    birth.begin(true);
    got = birth.syscall(R"(["exit",false,{"body":"#null","slots":[]}])");
    birth.finish();
  });
  EXPECT_THROW(birth.adopt(failing), std::runtime_error);
  birth.abandon();
  vat.join();
  EXPECT_EQ(got.substr(0, 9), R"(["error",)");
}

TEST_F(BirthSyscallsTest, ADeliveryThatNeverBeganIsSaidSo) {
  BirthSyscalls failed;
  std::thread t([&] { failed.finish(); });  // e.g. its worker did not start
  EXPECT_FALSE(failed.waitUntilBegun());
  t.join();
}

}  // namespace
}  // namespace swingset
