#include "plist/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace cmdm::plist {
namespace {

// FIPS 180-4 example vectors.
TEST(Hash, Sha256MatchesTheKnownVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Many calls share one context per thread: a second digest must not carry state from the first.
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Sha1HashesTheConcatenationOfItsTwoParts) {
  std::array<std::uint8_t, 20> whole = sha1("abc");
  EXPECT_EQ(hex(whole.data(), whole.size()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  std::array<std::uint8_t, 20> parts = sha1("a", "bc");
  EXPECT_EQ(parts, whole);
}

}  // namespace
}  // namespace cmdm::plist
