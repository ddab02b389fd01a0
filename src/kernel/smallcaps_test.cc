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

}  // namespace
}  // namespace swingset
