#pragma once
// How far a budgeted deletion of a terminated vat's rows got (snapshots, transcript spans).
#include <cstdint>

namespace swingset {

struct DeletionProgress {
  bool done = false;      // nothing of the vat is left
  uint64_t cleanups = 0;  // rows (snapshots) or spans with their items (transcripts) deleted
};

}  // namespace swingset
