// Kernel-side smallcaps: what SwingSet's kernel marshal does to the capdata it passes on.
#include "kernel/smallcaps.h"

#include <gtest/gtest.h>

namespace swingset {
namespace {

TEST(SmallcapsTest, ATerminationReasonLosesItsErrorIdsAsKserOfKunserDoes) {
  CapData reason{R"(#{"#error":"boom","name":"TypeError","errorId":"error:liveSlots:v5#70001","cause":{"#error":"under","name":"Error","errorId":"error:liveSlots:v5#70002"}})", {}};
  EXPECT_EQ(withoutErrorIds(reason).body, R"(#{"#error":"boom","name":"TypeError","cause":{"#error":"under","name":"Error"}})");
  CapData nested{R"(#[{"why":{"#error":"x","name":"Error","errorId":"e1"},"who":"$0.Alleged: thing"}])", {"ko12"}};
  CapData out = withoutErrorIds(nested);
  EXPECT_EQ(out.body, R"(#[{"why":{"#error":"x","name":"Error"},"who":"$0.Alleged: thing"}])");
  EXPECT_EQ(out.slots, nested.slots);
}

TEST(SmallcapsTest, CapdataWithoutErrorIdsIsKeptByteForByte) {
  // Re-encoding could change the text of numbers; a body with nothing to drop is not re-encoded.
  for (const char* body : {R"(#{"#error":"x","name":"Error"})", R"(#[1e21,0.1,"errorId"])", R"(#{"errorId":"not an error"})", "not smallcaps"}) {
    EXPECT_EQ(withoutErrorIds(CapData{body, {}}).body, body);
  }
}

TEST(SmallcapsTest, SingleSlotIsWhatExtractSingleSlotFinds) {
  auto one = [](const char* body, std::vector<std::string> slots) { return singleSlot(CapData{body, std::move(slots)}); };
  EXPECT_EQ(one(R"(#"$0.Alleged: x")", {"ko1"}), "ko1");
  EXPECT_EQ(one(R"(#"$0")", {"ko1"}), "ko1");
  EXPECT_EQ(one(R"(#"$1.Alleged: y")", {"ko1", "ko2"}), "ko2");  // by index, not by count
  EXPECT_EQ(one(R"(#"&0")", {"ko3"}), "ko3");  // kslot: the slot string says what it is
  EXPECT_EQ(one(R"(#"$0.Alleged: x")", {"kp4"}), "kp4");
  EXPECT_EQ(one(R"({"@qclass":"slot","iface":"Alleged: x","index":0})", {"ko5"}), "ko5");  // the older format
  for (const char* body : {R"(#["$0"])", R"(#"!$0")", R"(#3)", R"(#{"a":"$0"})", R"([1])"}) {
    bool malformed = true;
    EXPECT_EQ(singleSlot(CapData{body, {"ko1"}}, &malformed), std::nullopt) << body;
    EXPECT_FALSE(malformed) << body;
  }
  for (const char* body : {R"(#"$1")", R"(#"$0x")", R"(#"$0)", "not json", R"({"@qclass":"slot","index":3})"}) {
    bool malformed = false;
    EXPECT_EQ(singleSlot(CapData{body, {"ko1"}}, &malformed), std::nullopt) << body;
    EXPECT_TRUE(malformed) << body;
  }
}

TEST(SmallcapsTest, LegibleMethodNamesMethodsAsExtractMethodDoes) {
  auto method = [](const char* body) { return legibleMethod(CapData{body, {}}); };
  EXPECT_EQ(method(R"(#["foo",[]])"), "foo");
  EXPECT_EQ(method(R"(#["#undefined",[]])"), "<funcall>");
  EXPECT_EQ(method(R"(#["%@@asyncIterator",[]])"), "[@@asyncIterator]");
  EXPECT_EQ(method(R"(#["!#weird",[]])"), "#weird");
  EXPECT_EQ(method(R"(#["$0.Alleged: x",[]])"), "<unintelligible method>");
  EXPECT_EQ(method(R"(#[5,[]])"), "<unintelligible method>");
  EXPECT_EQ(method(R"(#[])"), "<funcall>");
  EXPECT_EQ(method(""), "<unknown>");  // JSON.parse('') throws
  EXPECT_EQ(method("#"), "<unknown>");
  EXPECT_EQ(method("#null"), "<unknown>");
  EXPECT_EQ(method(R"(["foo",[]])"), "foo");  // the older format: no escapes
  EXPECT_EQ(method(R"([{"@qclass":"undefined"},[]])"), "<funcall>");
  EXPECT_EQ(method(R"([{"@qclass":"symbol","name":"sym"},[]])"), "[sym]");
  EXPECT_EQ(method(R"([{"@qclass":"@@asyncIterator"},[]])"), "[Symbol.asyncIterator]");
  EXPECT_EQ(method(R"([{"@qclass":"bigint"},[]])"), "<invalid method type>");
}

}  // namespace
}  // namespace swingset
