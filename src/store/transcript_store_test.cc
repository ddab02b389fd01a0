#include "store/transcript_store.h"

#include <gtest/gtest.h>

#include "base/sha.h"
#include "store/swing_store.h"

namespace swingset {
namespace {

class TranscriptStoreTest : public ::testing::Test {
 protected:
  std::vector<std::string> read(std::optional<uint64_t> start = std::nullopt) {
    std::vector<std::string> items;
    ts_.readSpan("v1", start, [&](std::string_view i) { items.emplace_back(i); });
    return items;
  }
  std::unique_ptr<SwingStore> store_ = SwingStore::openInMemory();
  TranscriptStore& ts_ = store_->kernelStorage().transcripts();
};

// Span hashes from reference/swing-store.md: H0 = sha256hex("start of transcript span"),
// H' = sha256hex(H + sha256hex(item)).
std::string chain(const std::vector<std::string>& items) {
  std::string h = sha256Hex("start of transcript span");
  for (const std::string& i : items) h = sha256Hex(h + sha256Hex(i));
  return h;
}

TEST_F(TranscriptStoreTest, SpanHashChainsItems) {
  ts_.initTranscript("v1");
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{0, 0, chain({}), 0}));
  std::vector<std::string> items = {R"(["initialize-worker"])", R"({"d":["startVat"],"sc":[]})",
                                    "\xc3\xa9 non-ascii"};
  for (const std::string& i : items) ts_.addItem("v1", i);
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{0, 3, chain(items), 0}));
  EXPECT_EQ(read(), items);
  EXPECT_THROW(ts_.initTranscript("v1"), KernelPanic);
}

TEST_F(TranscriptStoreTest, RolloverOpensAFreshSpanAtEndPos) {
  ts_.initTranscript("v1");
  ts_.addItem("v1", "a");
  ts_.addItem("v1", "b");
  EXPECT_EQ(ts_.rolloverSpan("v1"), 2u);
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{2, 2, chain({}), 0}));
  ts_.addItem("v1", "c");
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{2, 3, chain({"c"}), 0}));
  EXPECT_EQ(read(), (std::vector<std::string>{"c"}));
  EXPECT_EQ(read(0), (std::vector<std::string>{"a", "b"}));  // closed spans stay readable

  EXPECT_EQ(ts_.rolloverIncarnation("v1"), 3u);
  ts_.addItem("v1", "d");
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{3, 4, chain({"d"}), 1}));
  EXPECT_THROW(read(1), KernelPanic);  // no span starts there
}

// A vat moved from another kernel keeps its positions: its one span starts where it did there,
// and its hash depends only on its items, so it equals the original span's.
TEST_F(TranscriptStoreTest, TranscriptCanStartMidHistory) {
  ts_.initTranscript("v1", 41, 2);
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{41, 41, chain({}), 2}));
  ts_.addItem("v1", "a");
  ts_.addItem("v1", "b");
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1"), (SpanBounds{41, 43, chain({"a", "b"}), 2}));
  EXPECT_EQ(TranscriptStore::extendSpanHash(chain({"a"}), "b"), chain({"a", "b"}));
  EXPECT_EQ(read(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ts_.rolloverSpan("v1"), 43u);
}

TEST_F(TranscriptStoreTest, VatsAreIndependentAndUninitializedVatsPanic) {
  ts_.initTranscript("v1");
  ts_.initTranscript("v2");
  ts_.addItem("v2", "x");
  EXPECT_EQ(ts_.getCurrentSpanBounds("v1").endPos, 0u);
  EXPECT_EQ(ts_.getCurrentSpanBounds("v2").endPos, 1u);
  EXPECT_THROW(ts_.addItem("v3", "x"), KernelPanic);
}

TEST_F(TranscriptStoreTest, DeleteVatTranscriptsHonoursBudget) {
  ts_.initTranscript("v1");
  ts_.initTranscript("v2");
  for (int span = 0; span < 3; span++) {
    ts_.addItem("v1", "i");
    ts_.rolloverSpan("v1");
  }
  ts_.addItem("v2", "keep");
  DeletionProgress p = ts_.deleteVatTranscripts("v1", 2);  // 4 spans: 3 closed + current
  EXPECT_FALSE(p.done);
  EXPECT_EQ(p.cleanups, 2u);
  EXPECT_THROW(ts_.getCurrentSpanBounds("v1"), KernelPanic);  // newest went first
  p = ts_.deleteVatTranscripts("v1", 10);
  EXPECT_TRUE(p.done);
  EXPECT_EQ(p.cleanups, 2u);
  EXPECT_THROW(read(0), KernelPanic);
  EXPECT_EQ(ts_.getCurrentSpanBounds("v2").endPos, 1u);
}

}  // namespace
}  // namespace swingset
