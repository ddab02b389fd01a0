#pragma once
// Vat transcripts (tables transcriptItems, transcriptSpans; reference/swing-store.md). Each vat
// has exactly one current span (isCurrent = 1) [startPos, endPos) with a running hash
// H = sha256hex(H_prev + sha256hex(item)), starting from sha256hex("start of transcript span").
// Positions are global per vat and never restart. Closed spans have isCurrent = NULL. Owned by
// SwingStore; items are stored exactly as given, since span hashes depend on the bytes.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "store/deletion_progress.h"

namespace swingset {

class Db;

struct SpanBounds {
  uint64_t startPos = 0;
  uint64_t endPos = 0;  // exclusive
  std::string hash;
  uint64_t incarnation = 0;
  bool operator==(const SpanBounds&) const = default;
};


class TranscriptStore {
 public:
  explicit TranscriptStore(Db& db) : db_(db) {}
  TranscriptStore(const TranscriptStore&) = delete;
  TranscriptStore& operator=(const TranscriptStore&) = delete;

  static std::string initialSpanHash();  // sha256hex("start of transcript span")
  // A span's hash after `item` is appended to it, given its hash before.
  static std::string extendSpanHash(std::string_view hash, std::string_view item);

  // Opens the vat's first span, empty, at `startPos`: 0 for a new vat; a vat moved from another
  // kernel keeps its positions. Panics if the vat already has a transcript.
  void initTranscript(std::string_view vatID, uint64_t startPos = 0, uint64_t incarnation = 0);
  void addItem(std::string_view vatID, std::string_view item);
  // Closes the current span and opens an empty one at its endPos, returned. rolloverIncarnation
  // also increments the incarnation.
  uint64_t rolloverSpan(std::string_view vatID);
  uint64_t rolloverIncarnation(std::string_view vatID);
  // Panics if the vat has no transcript.
  SpanBounds getCurrentSpanBounds(std::string_view vatID);
  // Calls fn(item) for each item of the span starting at `startPos` (the current span if
  // nullopt), in order. Panics if there is no such span or an item is missing. fn may use the
  // store.
  void readSpan(std::string_view vatID, std::optional<uint64_t> startPos,
                const std::function<void(std::string_view item)>& fn);
  // The vat's current span stops being current (termination): nothing will replay it.
  void stopUsingTranscript(std::string_view vatID);
  // Deletes up to `budget` spans (newest first) with their items; done when none remain.
  DeletionProgress deleteVatTranscripts(std::string_view vatID, uint64_t budget);

 private:
  uint64_t rollover(std::string_view vatID, bool newIncarnation);

  Db& db_;  // owned by SwingStore
};

}  // namespace swingset
