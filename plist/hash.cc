// Digests through OpenSSL's EVP interface. OpenSSL 3 looks an algorithm up in its provider tables
// on every EVP_Digest call with EVP_sha256(); a build hashes thousands of small strings, so the
// algorithms are fetched once and each thread reuses one context.
#include "plist/hash.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace cmdm::plist {

namespace {

const EVP_MD* fetched(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  // The default provider always has both; without it nothing cmdm signs or hashes can work.
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL has no ") + name);
  return md;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* thread_context() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

template <std::size_t N>
std::array<std::uint8_t, N> run(const EVP_MD* md, std::string_view a, std::string_view b) {
  EVP_MD_CTX* ctx = thread_context();
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      (!b.empty() && EVP_DigestUpdate(ctx, b.data(), b.size()) != 1) ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != N) {
    throw std::runtime_error("OpenSSL digest failed");
  }
  return out;
}

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view bytes) {
  static const EVP_MD* const md = fetched("SHA256");
  return run<32>(md, bytes, {});
}

std::string sha256_hex(std::string_view bytes) {
  const std::array<std::uint8_t, 32> md = sha256(bytes);
  return hex(md.data(), md.size());
}

std::array<std::uint8_t, 20> sha1(std::string_view a, std::string_view b) {
  static const EVP_MD* const md = fetched("SHA1");
  return run<20>(md, a, b);
}

std::string hex(const std::uint8_t* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

}  // namespace cmdm::plist
