#include "store/crank_hash.h"

namespace swingset {

std::string CrankHasher::finish() {
  std::string hex = sha_->hexDigest();
  reset();
  return hex;
}

std::string nextActivityHash(std::string_view previous, std::string_view crankHash) {
  Sha256 h;
  h.update("activityhash\n");
  h.update(previous);
  h.update("\n");
  h.update(crankHash);
  h.update("\n");
  return h.hexDigest();
}

}  // namespace swingset
