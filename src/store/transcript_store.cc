#include "store/transcript_store.h"

#include "base/sha.h"
#include "store/sqlite.h"

namespace swingset {
namespace {

constexpr std::string_view kCurrentSpan =
    "SELECT startPos, endPos, hash, incarnation FROM transcriptSpans "
    "WHERE vatID = ? AND isCurrent = 1";

std::optional<SpanBounds> currentSpan(Db& db, std::string_view vatID) {
  Statement& s = db.prepare(kCurrentSpan);
  s.bindText(1, vatID);
  if (!s.step()) return std::nullopt;
  SpanBounds b{static_cast<uint64_t>(s.columnInt64(0)), static_cast<uint64_t>(s.columnInt64(1)),
               std::string(s.columnText(2)), static_cast<uint64_t>(s.columnInt64(3))};
  s.reset();
  return b;
}

void insertCurrentSpan(Db& db, std::string_view vatID, uint64_t pos, uint64_t incarnation) {
  db.prepare(
        "INSERT INTO transcriptSpans (vatID, startPos, endPos, hash, isCurrent, incarnation) "
        "VALUES (?, ?, ?, ?, 1, ?)")
      .bindText(1, vatID)
      .bindInt64(2, static_cast<int64_t>(pos))
      .bindInt64(3, static_cast<int64_t>(pos))
      .bindText(4, TranscriptStore::initialSpanHash())
      .bindInt64(5, static_cast<int64_t>(incarnation))
      .run();
}

}  // namespace

std::string TranscriptStore::initialSpanHash() {
  static const std::string kHash = sha256Hex("start of transcript span");
  return kHash;
}

std::string TranscriptStore::extendSpanHash(std::string_view hash, std::string_view item) {
  return sha256Hex(std::string(hash) + sha256Hex(item));
}

void TranscriptStore::initTranscript(std::string_view vatID, uint64_t startPos, uint64_t incarnation) {
  SS_STORE_INSIST(db_, !currentSpan(db_, vatID), "transcript for {} already initialized", vatID);
  db_.ensureTxn();
  insertCurrentSpan(db_, vatID, startPos, incarnation);
}

SpanBounds TranscriptStore::getCurrentSpanBounds(std::string_view vatID) {
  std::optional<SpanBounds> b = currentSpan(db_, vatID);
  SS_STORE_INSIST(db_, b.has_value(), "no transcript for {}", vatID);
  return *b;
}

void TranscriptStore::addItem(std::string_view vatID, std::string_view item) {
  SpanBounds b = getCurrentSpanBounds(vatID);
  db_.ensureTxn();
  db_.prepare(
         "INSERT INTO transcriptItems (vatID, position, item, incarnation) VALUES (?, ?, ?, ?)")
      .bindText(1, vatID)
      .bindInt64(2, static_cast<int64_t>(b.endPos))
      .bindText(3, item)
      .bindInt64(4, static_cast<int64_t>(b.incarnation))
      .run();
  db_.prepare("UPDATE transcriptSpans SET endPos = ?, hash = ? WHERE vatID = ? AND isCurrent = 1")
      .bindInt64(1, static_cast<int64_t>(b.endPos + 1))
      .bindText(2, extendSpanHash(b.hash, item))
      .bindText(3, vatID)
      .run();
}

uint64_t TranscriptStore::rollover(std::string_view vatID, bool newIncarnation) {
  SpanBounds b = getCurrentSpanBounds(vatID);
  db_.ensureTxn();
  db_.prepare("UPDATE transcriptSpans SET isCurrent = NULL WHERE vatID = ? AND isCurrent = 1")
      .bindText(1, vatID)
      .run();
  insertCurrentSpan(db_, vatID, b.endPos, b.incarnation + (newIncarnation ? 1 : 0));
  return b.endPos;
}

uint64_t TranscriptStore::rolloverSpan(std::string_view vatID) { return rollover(vatID, false); }
uint64_t TranscriptStore::rolloverIncarnation(std::string_view vatID) {
  return rollover(vatID, true);
}

void TranscriptStore::readSpan(std::string_view vatID, std::optional<uint64_t> startPos,
                               const std::function<void(std::string_view item)>& fn) {
  uint64_t start = 0, end = 0;
  if (!startPos) {
    SpanBounds b = getCurrentSpanBounds(vatID);
    start = b.startPos;
    end = b.endPos;
  } else {
    Statement& s =
        db_.prepare("SELECT endPos FROM transcriptSpans WHERE vatID = ? AND startPos = ?");
    s.bindText(1, vatID).bindInt64(2, static_cast<int64_t>(*startPos));
    SS_STORE_INSIST(db_, s.step(), "no transcript span for {} at {}", vatID, *startPos);
    start = *startPos;
    end = static_cast<uint64_t>(s.columnInt64(0));
    s.reset();
  }
  // A statement of our own: fn may call back into the store.
  std::unique_ptr<Statement> s = db_.prepareFresh(
      "SELECT position, item FROM transcriptItems "
      "WHERE vatID = ? AND position >= ? AND position < ? ORDER BY position");
  s->bindText(1, vatID)
      .bindInt64(2, static_cast<int64_t>(start))
      .bindInt64(3, static_cast<int64_t>(end));
  uint64_t expect = start;
  while (s->step()) {
    SS_STORE_INSIST(db_, static_cast<uint64_t>(s->columnInt64(0)) == expect,
                    "transcript of {} lacks item {}", vatID, expect);
    fn(s->columnText(1));
    expect++;
  }
  SS_STORE_INSIST(db_, expect == end, "transcript of {} lacks item {}", vatID, expect);
}

void TranscriptStore::stopUsingTranscript(std::string_view vatID) {
  db_.ensureTxn();
  db_.prepare("UPDATE transcriptSpans SET isCurrent = NULL WHERE vatID = ? AND isCurrent = 1").bindText(1, vatID).run();
}

DeletionProgress TranscriptStore::deleteVatTranscripts(std::string_view vatID, uint64_t budget) {
  SS_STORE_INSIST(db_, budget >= 1, "deleteVatTranscripts needs a budget of at least 1");
  db_.ensureTxn();
  DeletionProgress p;
  while (p.cleanups < budget) {
    Statement& s = db_.prepare(
        "SELECT startPos, endPos FROM transcriptSpans WHERE vatID = ? ORDER BY startPos DESC LIMIT "
        "1");
    s.bindText(1, vatID);
    if (!s.step()) break;
    int64_t start = s.columnInt64(0), end = s.columnInt64(1);
    s.reset();
    db_.prepare("DELETE FROM transcriptItems WHERE vatID = ? AND position >= ? AND position < ?")
        .bindText(1, vatID)
        .bindInt64(2, start)
        .bindInt64(3, end)
        .run();
    db_.prepare("DELETE FROM transcriptSpans WHERE vatID = ? AND startPos = ?")
        .bindText(1, vatID)
        .bindInt64(2, start)
        .run();
    p.cleanups++;
  }
  Statement& left = db_.prepare("SELECT 1 FROM transcriptSpans WHERE vatID = ? LIMIT 1");
  p.done = !left.bindText(1, vatID).step();
  left.reset();
  return p;
}

}  // namespace swingset
