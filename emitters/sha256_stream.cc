// Incremental SHA-256 through OpenSSL's EVP interface.
#include "emitters/sha256_stream.h"

#include <openssl/evp.h>

#include <new>
#include <stdexcept>

namespace cmdm::emitters {

namespace {
EVP_MD_CTX* as_ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }
void init(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest failed");
  }
}
}  // namespace

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  init(as_ctx(ctx_));
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(as_ctx(ctx_)); }

void Sha256Stream::update(std::string_view bytes) {
  if (EVP_DigestUpdate(as_ctx(ctx_), bytes.data(), bytes.size()) != 1) {
    throw std::runtime_error("OpenSSL digest failed");
  }
}

std::array<std::uint8_t, 32> Sha256Stream::finish() {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(as_ctx(ctx_), out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("OpenSSL digest failed");
  }
  init(as_ctx(ctx_));
  return out;
}

}  // namespace cmdm::emitters
