// Real xsnap-worker processes running the pinned lockdown + supervisor and a real vat bundle.
#include "worker/xsnap_worker.h"

#include <signal.h>

#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/test_support.h"
#include "swingset/errors.h"
#include "worker/snapshot_buffer.h"

namespace swingset {
namespace {

using nlohmann::json;

// Plays kernel for one vat: a vatstore in byte order, every syscall recorded.
class FakeKernel : public SyscallHandler, public ConsoleSink {
 public:
  std::map<std::string, std::string> vatstore;
  std::vector<json> syscalls;
  std::vector<std::string> consoleLines;
  std::function<void()> onEachSyscall;

  std::string syscall(std::string_view vso) override {
    if (onEachSyscall) onEachSyscall();
    json s = json::parse(vso);
    syscalls.push_back(s);
    std::string kind = s[0];
    if (kind == "vatstoreGet") {
      auto it = vatstore.find(s[1]);
      return it == vatstore.end() || it->second.empty() ? R"(["ok",null])" : json::array({"ok", it->second}).dump();
    }
    if (kind == "vatstoreSet") vatstore[s[1]] = s[2];
    if (kind == "vatstoreDelete") vatstore.erase(s[1].get<std::string>());
    if (kind == "vatstoreGetNextKey") {
      auto it = vatstore.upper_bound(s[1]);
      return it == vatstore.end() ? R"(["ok",null])" : json::array({"ok", it->first}).dump();
    }
    return R"(["ok",null])";
  }
  void console(std::string_view vat, std::string_view source, std::string_view level,
               const std::vector<std::string>& args) override {
    std::string line = fmt::format("{}/{}/{}:", vat, source, level);
    for (const std::string& a : args) line += " " + a;
    consoleLines.push_back(line);
  }
  // The value the vat resolved `vpid` with, from the recorded resolve syscalls.
  std::optional<json> resolution(const std::string& vpid) const {
    for (const json& s : syscalls) {
      if (s[0] != "resolve") continue;
      for (const json& r : s[1]) {
        if (r[0] == vpid) return json{{"rejected", r[1]}, {"body", r[2]["body"]}};
      }
    }
    return std::nullopt;
  }
};

std::string message(const std::string& method, const json& args, const std::string& result,
                    const json& slots = json::array()) {
  json methargs = {{"body", "#" + json::array({method, args}).dump()}, {"slots", slots}};
  json msg = {{"methargs", methargs}, {"result", result.empty() ? json() : json(result)}};
  return json::array({"message", "o+0", msg}).dump();
}

class XsnapWorkerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { packages_ = new WorkerPackages(WorkerPackages::locate()); }
  XsnapOptions options(const std::string& vatID = "v1") {
    XsnapOptions o;
    o.executable = packages_->xsnapWorker;
    o.vatID = vatID;
    o.name = "counter";
    o.console = &kernel_;
    o.hangTimeout = std::chrono::seconds(60);
    return o;
  }
  // A counter vat in a fresh worker, after startVat.
  std::unique_ptr<XsnapWorker> startCounter(XsnapOptions o) {
    auto w = XsnapWorker::start(o);
    DeliveryResult r = w->loadVat(*packages_, testing::readTestBundle("vat-counter"),
                                  R"({"enableDisavow":false,"relaxDurabilityRules":false})");
    EXPECT_EQ(r.status, DeliveryStatus::kOk) << r.problem;
    r = w->deliver(R"(["startVat",{"body":"#{\"start\":10}","slots":[]}])", kernel_);
    EXPECT_EQ(r.status, DeliveryStatus::kOk) << r.problem;
    EXPECT_EQ(r.reply, R"(["ok",null,null])");
    return w;
  }
  std::unique_ptr<XsnapWorker> startCounter() { return startCounter(options()); }

  static WorkerPackages* packages_;
  FakeKernel kernel_;
};
WorkerPackages* XsnapWorkerTest::packages_ = nullptr;

TEST_F(XsnapWorkerTest, WorkerBundlesHaveThePinnedIDs) {
  EXPECT_EQ(packages_->lockdown.bundleID,
            "b0-40a8ea620c16222d0aba5c07a9d2e549c959b702820529fdbcad5a649602ded5");
  EXPECT_EQ(packages_->supervisor.bundleID,
            "b0-4751467ce397e39f6445d34eab978d5f7d317f41dba9952b4c6fbbfd49fb9894");
}

TEST_F(XsnapWorkerTest, StartVatUsesTheVatstoreAndMessagesResolveResults) {
  auto w = startCounter();
  EXPECT_GT(kernel_.syscalls.size(), 20u);  // liveslots sets up its collections in the vatstore
  EXPECT_EQ(kernel_.vatstore.at("baggageID"), "o+d6/1");

  DeliveryResult r = w->deliver(message("increment", json::array(), "p-60"), kernel_);
  ASSERT_EQ(r.status, DeliveryStatus::kOk) << r.problem;
  EXPECT_GT(r.meter.compute, 0u);
  EXPECT_EQ(kernel_.resolution("p-60"), (json{{"rejected", false}, {"body", "#11"}}));
  EXPECT_EQ(kernel_.vatstore.at("vc.1.sdurableCount"), R"({"body":"#1","slots":[]})");
  ASSERT_FALSE(kernel_.consoleLines.empty());
  EXPECT_EQ(kernel_.consoleLines.back(), "counter/vat/log: increment 11");
}

TEST_F(XsnapWorkerTest, OutgoingSendAndNotify) {
  auto w = startCounter();
  size_t before = kernel_.syscalls.size();
  ASSERT_TRUE(w->deliver(message("tell", json::array({"$0.Alleged: other"}), "p-60",
                                 json::array({"o-50"})),
                         kernel_).ok());
  json send;
  for (size_t i = before; i < kernel_.syscalls.size(); i++) {
    if (kernel_.syscalls[i][0] == "send") send = kernel_.syscalls[i];
  }
  ASSERT_FALSE(send.is_null());
  EXPECT_EQ(send[1], "o-50");
  EXPECT_EQ(send[2]["methargs"]["body"], R"(#["hello",[10]])");
  std::string vpid = send[2]["result"];
  ASSERT_TRUE(w->deliver(json::array({"notify", json::array({json::array({vpid, false, {{"body", "#\"hi\""}, {"slots", json::array()}}})})}).dump(), kernel_).ok());
  EXPECT_EQ(kernel_.resolution("p-60"), (json{{"rejected", false}, {"body", "#\"hi\""}}));
}

TEST_F(XsnapWorkerTest, AThrowingMethodRejectsItsResultAndTheVatLivesOn) {
  auto w = startCounter();
  ASSERT_TRUE(w->deliver(message("fail", json::array({"because"}), "p-60"), kernel_).ok());
  std::optional<json> res = kernel_.resolution("p-60");
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)["rejected"], true);
  EXPECT_NE((*res)["body"].get<std::string>().find("failed on purpose: because"), std::string::npos);
  EXPECT_TRUE(w->deliver(message("increment", json::array(), "p-61"), kernel_).ok());
}

TEST_F(XsnapWorkerTest, LiveslotsFailureIsAVatError) {
  auto w = startCounter();
  DeliveryResult r = w->deliver(R"(["message","o+99",{"methargs":{"body":"#[\"get\",[]]","slots":[]},"result":null}])", kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kVatError);
  EXPECT_NE(r.problem.find("I don't remember allocating"), std::string::npos) << r.problem;
  EXPECT_TRUE(w->alive());
}

TEST_F(XsnapWorkerTest, BuildRootObjectThatThrowsFailsStartVat) {
  auto w = XsnapWorker::start(options());
  ASSERT_TRUE(w->loadVat(*packages_, testing::readTestBundle("vat-broken-build"), R"({"enableDisavow":false,"relaxDurabilityRules":false})").ok());
  DeliveryResult r = w->deliver(R"(["startVat",{"body":"#null","slots":[]}])", kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kVatError);
  EXPECT_NE(r.problem.find("buildRootObject"), std::string::npos) << r.problem;
}

// The supervisor imports the vat bundle lazily: a broken archive passes setBundle and fails
// the vat's first delivery, startVat, as a vat error (never a dead or hung worker).
TEST_F(XsnapWorkerTest, MalformedVatBundleFailsStartVat) {
  auto w = XsnapWorker::start(options());
  ASSERT_TRUE(w->loadVat(*packages_, R"({"moduleFormat":"endoZipBase64","endoZipBase64":"bm90IGEgemlw"})",
                         R"({"enableDisavow":false,"relaxDurabilityRules":false})").ok());
  DeliveryResult r = w->deliver(R"(["startVat",{"body":"#null","slots":[]}])", kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kVatError);
  EXPECT_FALSE(r.problem.empty());
  EXPECT_TRUE(w->alive());
}

TEST_F(XsnapWorkerTest, SnapshotThenNewWorkerKeepsHeapState) {
  auto w = startCounter();
  ASSERT_TRUE(w->deliver(message("increment", json::array(), "p-60"), kernel_).ok());
  ASSERT_TRUE(w->deliver(message("increment", json::array(), "p-61"), kernel_).ok());
  SnapshotBuffer snap;
  SavedSnapshot info = w->saveSnapshot(snap);
  EXPECT_GT(info.size, 1'000'000u);
  EXPECT_EQ(info.size, snap.size());
  EXPECT_EQ(info.hash.size(), 64u);
  EXPECT_EQ(snap.readAll().substr(4, 4), "XS_M");
  w->shutdown();
  EXPECT_EQ(w->exitStatus()->code, 0);

  // The same snapshot starts two workers one after another; both remember count = 12.
  for (int i = 0; i < 2; i++) {
    auto restored = XsnapWorker::startFromSnapshot(options(), snap, "v1-5");
    ASSERT_TRUE(restored->deliver(message("get", json::array(), "p-7" + std::to_string(i)), kernel_).ok());
    std::optional<json> res = kernel_.resolution("p-7" + std::to_string(i));
    ASSERT_TRUE(res);
    EXPECT_EQ((*res)["body"], R"(#{"count":12,"durableCount":2})");
    // Once loaded, the worker keeps no descriptor of the snapshot's memory file (10 MB each).
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator(fmt::format("/proc/{}/fd", restored->pid()), ec)) {
      EXPECT_EQ(std::filesystem::read_symlink(fd.path(), ec).string().find("memfd:"), std::string::npos) << fd.path();
    }
    EXPECT_FALSE(ec) << ec.message();
  }
}

// SupervisorCache keeps this heap between processes: that is sound only if every boot gives the
// same bytes, as SwingSet's consensus on snapshot hashes also assumes.
TEST_F(XsnapWorkerTest, EveryWorkerThatEvaluatesTheSupervisorHasTheSameHeap) {
  std::vector<SavedSnapshot> saved;
  for (int i = 0; i < 2; i++) {
    auto w = XsnapWorker::start(options("v0"));
    ASSERT_TRUE(w->loadSupervisor(*packages_).ok());
    SnapshotBuffer snap;
    saved.push_back(w->saveSnapshot(snap));
    w->kill();
  }
  EXPECT_GT(saved[0].size, 1'000'000u);
  EXPECT_EQ(saved[0].size, saved[1].size);
  EXPECT_EQ(saved[0].hash, saved[1].hash);
}

TEST_F(XsnapWorkerTest, RunawayLoopUnderAComputeLimitIsAMeterFault) {
  XsnapOptions o = options();
  o.computeLimit = 100'000'000;
  auto w = startCounter(o);
  DeliveryResult r = w->deliver(message("spin", json::array(), "p-60"), kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kMeterExceeded);
  EXPECT_EQ(r.problem, "Compute meter exceeded");
  ASSERT_TRUE(w->exitStatus());
  EXPECT_EQ(w->exitStatus()->code, 17);
}

TEST_F(XsnapWorkerTest, HungWorkerIsKilledAndNamed) {
  auto w = startCounter(options("v7"));
  w->setHangTimeout(std::chrono::milliseconds(300));  // short only for the runaway delivery
  DeliveryResult r = w->deliver(message("spin", json::array(), "p-60"), kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kTimedOut);
  EXPECT_NE(r.problem.find("vat v7 (counter)"), std::string::npos) << r.problem;
  ASSERT_TRUE(w->exitStatus());  // reaped, no zombie
  EXPECT_TRUE(w->exitStatus()->signaled);
  EXPECT_EQ(w->deliver(message("get", json::array(), "p-61"), kernel_).status, DeliveryStatus::kTimedOut);
}

TEST_F(XsnapWorkerTest, WorkerKilledBetweenDeliveriesIsReportedDead) {
  auto w = startCounter();
  ::kill(w->pid(), SIGKILL);
  DeliveryResult r = w->deliver(message("get", json::array(), "p-60"), kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kWorkerDied);
  EXPECT_NE(r.problem.find("signal 9"), std::string::npos) << r.problem;
}

TEST_F(XsnapWorkerTest, WorkerKilledDuringADeliveryIsReportedDead) {
  auto w = startCounter();
  kernel_.onEachSyscall = [&] { ::kill(w->pid(), SIGKILL); };
  DeliveryResult r = w->deliver(message("increment", json::array(), "p-60"), kernel_);
  EXPECT_EQ(r.status, DeliveryStatus::kWorkerDied);
  EXPECT_FALSE(w->alive());
}

TEST_F(XsnapWorkerTest, RawEvaluateReportsResultsAndExceptions) {
  auto w = XsnapWorker::start(options());
  EXPECT_EQ(w->evaluate("({ result: new TextEncoder().encode('hello').buffer })").result, "hello");
  CommandResult thrown = w->evaluate("throw Error('boom')");
  EXPECT_EQ(thrown.status, DeliveryStatus::kVatError);
  EXPECT_EQ(thrown.result, "Error: boom");
}

TEST_F(XsnapWorkerTest, SnapshotFromAMissingStreamPanicsNamingTheVat) {
  SnapshotBuffer empty;
  try {
    XsnapWorker::startFromSnapshot(options("v9"), empty, "v9-0");
    FAIL() << "a worker started from an empty snapshot";
  } catch (const KernelPanic& e) {
    EXPECT_NE(std::string(e.what()).find("vat v9"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swingset
