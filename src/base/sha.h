#pragma once
// SHA-256 and SHA-512 as lowercase hex, the form every swing-store hash and bundle ID uses.
// Sha256 hashes a stream (heap snapshots) without holding it in memory.
#include <memory>
#include <string>
#include <string_view>

namespace swingset {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  void update(const void* data, size_t size);
  std::string hexDigest();  // finishes the hash; call once

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256Hex(std::string_view bytes);
std::string sha512Hex(std::string_view bytes);

}  // namespace swingset
