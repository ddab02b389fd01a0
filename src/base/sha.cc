#include "base/sha.h"

#include <openssl/evp.h>

#include "base/panic.h"

namespace swingset {
namespace {

std::string toHex(const unsigned char* d, unsigned n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '\0');
  for (unsigned i = 0; i < n; i++) {
    out[2 * i] = kDigits[d[i] >> 4];
    out[2 * i + 1] = kDigits[d[i] & 15];
  }
  return out;
}

std::string digestHex(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  SS_INSIST(EVP_Digest(bytes.data(), bytes.size(), out, &n, md, nullptr) == 1, "EVP_Digest failed");
  return toHex(out, n);
}

}  // namespace

struct Sha256::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  SS_INSIST(ctx_->md && EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1,
            "EVP_DigestInit failed");
}
Sha256::~Sha256() = default;

void Sha256::update(const void* data, size_t size) {
  SS_INSIST(EVP_DigestUpdate(ctx_->md, data, size) == 1, "EVP_DigestUpdate failed");
}
void Sha256::update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

std::string Sha256::hexDigest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  SS_INSIST(EVP_DigestFinal_ex(ctx_->md, out, &n) == 1, "EVP_DigestFinal failed");
  return toHex(out, n);
}

std::string sha256Hex(std::string_view bytes) { return digestHex(EVP_sha256(), bytes); }
std::string sha512Hex(std::string_view bytes) { return digestHex(EVP_sha512(), bytes); }

}  // namespace swingset
