// SHA-256 over bytes that arrive in pieces (bundle entries streamed to disk, files compared
// chunk by chunk), so no whole file has to sit in memory to be hashed.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace cmdm::emitters {

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void update(std::string_view bytes);
  // The digest of everything passed to update() since construction or the last finish().
  std::array<std::uint8_t, 32> finish();

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header
};

}  // namespace cmdm::emitters
