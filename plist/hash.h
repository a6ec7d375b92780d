// SHA-256 and SHA-1 of byte strings, for content digests, artifact hashes and name-based UUIDs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cmdm::plist {

std::array<std::uint8_t, 32> sha256(std::string_view bytes);
// Lower-case hex of sha256(bytes).
std::string sha256_hex(std::string_view bytes);
// SHA-1 of the concatenation a + b (UUID version 5 hashes a namespace and a name).
std::array<std::uint8_t, 20> sha1(std::string_view a, std::string_view b = {});

// Lower-case hex of `size` bytes.
std::string hex(const std::uint8_t* bytes, std::size_t size);

}  // namespace cmdm::plist
