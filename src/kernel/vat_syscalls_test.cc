// VatSyscalls against a real in-memory store: legal syscalls work, and each illegal one is
// answered with SwingSet's error and recorded as the vat's fault (the kernel then terminates the
// vat) rather than thrown. Liveslots never emits these, so only a unit test can.
#include "kernel/vat_syscalls.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kernel/kernel.h"
#include "kernel/two_vat_kernel_test.h"
#include "store/swing_store.h"

namespace swingset {
namespace {

constexpr const char* kOk = R"(["ok",null])";
constexpr const char* kIllegal = R"(["error","syscall translation error: prepare to die"])";

class VatSyscallsTest : public TwoVatKernelTest {
 protected:
  std::string call(const std::string& vso) { return sys_.syscall(vso); }

  VatSyscalls sys_{kernel_, "v1"};
};

TEST_F(VatSyscallsTest, VatstoreRoundTripIsLegal) {
  EXPECT_EQ(call(R"(["vatstoreSet","k","v"])"), R"(["ok",null])");
  EXPECT_EQ(call(R"(["vatstoreGet","k"])"), R"(["ok","v"])");
  EXPECT_EQ(call(R"(["vatstoreGetNextKey",""])"), R"(["ok","k"])");
  EXPECT_EQ(sys_.illegal(), "");
}

TEST_F(VatSyscallsTest, SendToAnUnknownImportIsTheVatsFault) {
  EXPECT_EQ(call(R"(["send","o-50",{"methargs":{"body":"#[\"m\",[]]","slots":[]},"result":null}])"), kIllegal);
  EXPECT_NE(sys_.illegal().find("unknown vref o-50"), std::string::npos) << sys_.illegal();
  EXPECT_EQ(kernel_.state().acceptanceQueueLength(), 0u);
}

TEST_F(VatSyscallsTest, MalformedCapdataIsTheVatsFault) {
  EXPECT_EQ(call(R"(["send","o+0",{"methargs":{"body":"#[]"},"result":null}])"), kIllegal);
  EXPECT_NE(sys_.illegal().find("malformed capdata"), std::string::npos) << sys_.illegal();
}

TEST_F(VatSyscallsTest, ResolvingAPromiseAnotherVatDecidesIsTheVatsFault) {
  KernelSlot kp = kernel_.state().addKernelPromise();
  kernel_.state().setDecider(kp, "v2");
  VatSlot vpid = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(kp.str());
  EXPECT_EQ(call(fmt::format(R"(["resolve",[["{}",false,{{"body":"#1","slots":[]}}]]])", vpid.str())), kIllegal);
  EXPECT_NE(sys_.illegal().find("does not decide"), std::string::npos) << sys_.illegal();
  EXPECT_EQ(kernel_.state().promiseState(kp), PromiseState::kUnresolved);
}

TEST_F(VatSyscallsTest, RetiringAReachableImportIsTheVatsFault) {
  KernelSlot ko = kernel_.state().addKernelObject("v2");
  VatSlot vref = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(ko.str());
  EXPECT_EQ(call(fmt::format(R"(["retireImports",["{}"]])", vref.str())), kIllegal);
  EXPECT_NE(sys_.illegal().find("still reachable"), std::string::npos) << sys_.illegal();
}

// Every entry is checked before any is applied, so a vref listed twice would be deleted twice:
// that must be the vat's fault, with nothing applied, not a kernel panic.
TEST_F(VatSyscallsTest, RetiringAnImportListedTwiceIsTheVatsFault) {
  KernelSlot ko = kernel_.state().addKernelObject("v2");
  VatSlot vref = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(ko.str());
  EXPECT_EQ(call(fmt::format(R"(["dropImports",["{0}","{0}"]])", vref.str())), kOk);  // harmless, as in JS
  EXPECT_EQ(call(fmt::format(R"(["retireImports",["{0}","{0}"]])", vref.str())), kIllegal);
  EXPECT_NE(sys_.illegal().find("lists " + vref.str() + " twice"), std::string::npos) << sys_.illegal();
  EXPECT_EQ(VatState(kernel_.state(), "v1").krefForVref(vref.str()), ko.str());
}

TEST_F(VatSyscallsTest, AbandoningAnExportListedTwiceIsTheVatsFault) {
  std::optional<std::string> ko = VatState(kernel_.state(), "v1").mapVatSlotToKernelSlot(*VatSlot::parse("o+5"));
  ASSERT_TRUE(ko);
  EXPECT_EQ(call(R"(["abandonExports",["o+5","o+5"]])"), kIllegal);
  EXPECT_NE(sys_.illegal().find("lists o+5 twice"), std::string::npos) << sys_.illegal();
  EXPECT_EQ(VatState(kernel_.state(), "v1").krefForVref("o+5"), *ko);
}

TEST_F(VatSyscallsTest, ResolvingAPromiseTwiceInOneSyscallIsTheVatsFault) {
  KernelSlot kp = kernel_.state().addKernelPromise();
  kernel_.state().setDecider(kp, "v1");
  VatSlot vpid = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(kp.str());
  EXPECT_EQ(call(fmt::format(R"(["resolve",[["{0}",false,{{"body":"#1","slots":[]}}],["{0}",false,{{"body":"#2","slots":[]}}]]])",
                             vpid.str())),
            kIllegal);
  EXPECT_NE(sys_.illegal().find("twice"), std::string::npos) << sys_.illegal();
  EXPECT_EQ(kernel_.state().promiseState(kp), PromiseState::kUnresolved);
}

// Printing it in the error would recurse once per level: it is refused as it is read.
TEST_F(VatSyscallsTest, ASyscallNestedTooDeepIsTheVatsFault) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(call(R"(["exit",true,)" + deep + "]"), kIllegal);
  EXPECT_NE(sys_.illegal().find("not a VatSyscallObject"), std::string::npos) << sys_.illegal();
}

TEST_F(VatSyscallsTest, ExportingADeviceNodeIsTheVatsFault) {
  EXPECT_EQ(call(R"(["send","o+0",{"methargs":{"body":"#[\"m\",[\"$0\"]]","slots":["d+1"]},"result":null}])"), kIllegal);
  EXPECT_NE(sys_.illegal().find("device"), std::string::npos) << sys_.illegal();
}

TEST_F(VatSyscallsTest, ALegalSendIsQueuedWithItsRefsCounted) {
  KernelSlot ko = kernel_.state().addKernelObject("v2");
  VatSlot target = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(ko.str());
  EXPECT_EQ(call(fmt::format(R"(["send","{}",{{"methargs":{{"body":"#[\"m\",[]]","slots":[]}},"result":"p+5"}}])", target.str())),
            R"(["ok",null])");
  EXPECT_EQ(sys_.illegal(), "");
  EXPECT_EQ(kernel_.state().acceptanceQueueLength(), 1u);
  EXPECT_EQ(kernel_.state().objectRefCount(ko), (RefCount{2, 2}));  // the c-list entry and the message
}

// extractSingleSlot reads the whole value: a promise is a promise whatever the body calls it.
TEST_F(VatSyscallsTest, ResolvingToAPromiseUnderAnyBodyIsTheVatsFault) {
  KernelSlot kp = kernel_.state().addKernelPromise();
  kernel_.state().setDecider(kp, "v1");
  VatSlot vpid = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(kp.str());
  EXPECT_EQ(call(fmt::format(R"(["resolve",[["{}",false,{{"body":"#\"$0.Alleged: x\"","slots":["p+6"]}}]]])", vpid.str())), kIllegal);
  EXPECT_NE(sys_.illegal().find("cannot resolve"), std::string::npos) << sys_.illegal();
  EXPECT_EQ(kernel_.state().promiseState(kp), PromiseState::kUnresolved);
}

TEST_F(VatSyscallsTest, AFulfilmentThatCannotBeUnserializedIsTheVatsFault) {
  KernelSlot kp = kernel_.state().addKernelPromise();
  kernel_.state().setDecider(kp, "v1");
  VatSlot vpid = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(kp.str());
  EXPECT_EQ(call(fmt::format(R"(["resolve",[["{}",false,{{"body":"#\"$3\"","slots":[]}}]]])", vpid.str())), kIllegal);
  EXPECT_NE(sys_.illegal().find("cannot be unserialized"), std::string::npos) << sys_.illegal();
}

// The kernel re-encodes the reason for vat-admin: one it cannot read would panic it.
TEST_F(VatSyscallsTest, AnExitReasonThatIsNotSmallcapsIsTheVatsFault) {
  for (const char* body : {"", "\"bye\"", "#{"}) {
    VatSyscalls sys{kernel_, "v1"};
    EXPECT_EQ(sys.syscall(fmt::format(R"(["exit",true,{{"body":{},"slots":[]}}])", toJson(Json(body)))), kIllegal) << body;
    EXPECT_NE(sys.illegal().find("not a smallcaps body"), std::string::npos) << sys.illegal();
    EXPECT_FALSE(sys.exitRequest()) << body;
  }
}

// A send to data is rejected with SwingSet's text for the method (extractMethod), whatever the
// body: one that is not even JSON used to throw out of the crank, a kernel panic.
TEST_F(VatSyscallsTest, ASendToDataIsRejectedNamingTheMethodAsSwingSetDoes) {
  KernelSlot data = kernel_.state().addKernelPromise();
  kernel_.doResolve("", data.str(), false, CapData{"#1", {}});
  VatSlot target = VatState(kernel_.state(), "v1").mapKernelSlotToVatSlot(data.str());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "<unknown>"}, {R"(#["#undefined",[]])", "<funcall>"}, {R"(#["foo",[]])", "foo"}};
  for (size_t i = 0; i < cases.size(); i++) {
    EXPECT_EQ(call(fmt::format(R"(["send","{}",{{"methargs":{{"body":{},"slots":[]}},"result":"p+{}"}}])", target.str(),
                               toJson(Json(cases[i].first)), 10 + i)),
              kOk);
  }
  store_->kernelStorage().endCrank();
  kernel_.run();
  for (size_t i = 0; i < cases.size(); i++) {
    std::string kp = *VatState(kernel_.state(), "v1").krefForVref(fmt::format("p+{}", 10 + i));
    EXPECT_EQ(kernel_.state().promiseState(*KernelSlot::parse(kp)), PromiseState::kRejected);
    EXPECT_NE(kernel_.state().getPromise(*KernelSlot::parse(kp)).data.body.find("has no method " + cases[i].second),
              std::string::npos)
        << kernel_.state().getPromise(*KernelSlot::parse(kp)).data.body;
  }
}

}  // namespace
}  // namespace swingset
