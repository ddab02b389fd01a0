#pragma once
// The crank hash and activity hash (reference/kernel.md §11). KVStore feeds the crank hasher with
// every consensus-key write made through the kernel facet; SwingStore starts it at startCrank()
// and folds it into the activity hash at endCrank().
#include <memory>
#include <string>
#include <string_view>

#include "base/sha.h"

namespace swingset {

class CrankHasher {
 public:
  CrankHasher() { reset(); }
  void reset() { sha_ = std::make_unique<Sha256>(); }
  void add(std::string_view bytes) { sha_->update(bytes); }
  std::string finish();  // hex digest of everything added since reset(); then resets

 private:
  std::unique_ptr<Sha256> sha_;
};

// sha256hex("activityhash\n" + previous + "\n" + crankHash + "\n")
std::string nextActivityHash(std::string_view previous, std::string_view crankHash);

}  // namespace swingset
