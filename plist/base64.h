// Base64 (RFC 4648, standard alphabet) as plists use it in <data>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cmdm::plist {

// The length of the encoding of `size` bytes (padded, no line breaks): what the size model of a
// wire format needs, without encoding anything.
constexpr std::size_t base64_encoded_size(std::size_t size) { return (size + 2) / 3 * 4; }

// Encodes without line breaks; the append form writes straight into `out`.
void base64_append(std::string& out, const std::uint8_t* data, std::size_t size);
std::string base64_encode(const std::uint8_t* data, std::size_t size);
inline std::string base64_encode(const std::vector<std::uint8_t>& data) {
  return base64_encode(data.data(), data.size());
}
inline std::string base64_encode(std::string_view data) {
  return base64_encode(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}
inline void base64_append(std::string& out, std::string_view data) {
  base64_append(out, reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

// Decodes, skipping ASCII whitespace anywhere (plists wrap base64 lines). Returns nullopt and the
// offset of the first bad character on malformed input (bad character, bad padding, stray bits).
struct Base64Error {
  std::size_t offset = 0;
  std::string message;
};
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text,
                                                       Base64Error* error = nullptr);

}  // namespace cmdm::plist
