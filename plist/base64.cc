// Base64 encode/decode for <data> elements.
#include "plist/base64.h"

#include <array>

namespace cmdm::plist {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& x : t) x = -1;
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr std::array<std::int8_t, 256> kTable = make_table();

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

void base64_append(std::string& out, const std::uint8_t* data, std::size_t size) {
  // Sized once and filled through a pointer: appending a character at a time costs a capacity
  // check per character, which showed as the largest cost of building command bodies.
  const std::size_t at = out.size();
  out.resize(at + base64_encoded_size(size));
  char* o = out.data() + at;
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t n =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    o[0] = kAlphabet[(n >> 18) & 63];
    o[1] = kAlphabet[(n >> 12) & 63];
    o[2] = kAlphabet[(n >> 6) & 63];
    o[3] = kAlphabet[n & 63];
    o += 4;
  }
  if (size - i == 1) {
    const std::uint32_t n = std::uint32_t{data[i]} << 16;
    o[0] = kAlphabet[(n >> 18) & 63];
    o[1] = kAlphabet[(n >> 12) & 63];
    o[2] = '=';
    o[3] = '=';
  } else if (size - i == 2) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    o[0] = kAlphabet[(n >> 18) & 63];
    o[1] = kAlphabet[(n >> 12) & 63];
    o[2] = kAlphabet[(n >> 6) & 63];
    o[3] = '=';
  }
}

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
  std::string out;
  base64_append(out, data, size);
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, Base64Error* error) {
  auto fail = [&](std::size_t offset, const char* message) {
    if (error) {
      error->offset = offset;
      error->message = message;
    }
    return std::nullopt;
  };
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  int quad = 0;     // characters in the current group of four (padding included)
  int padding = 0;  // '=' seen
  std::size_t last_offset = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (is_space(c)) continue;
    last_offset = i;
    if (c == '=') {
      if (quad < 2) return fail(i, "misplaced '=' padding in base64");
      ++padding;
      ++quad;
      if (quad == 4) {
        quad = 0;
      }
      continue;
    }
    if (padding > 0) return fail(i, "base64 data continues after '=' padding");
    std::int8_t v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) return fail(i, "invalid character in base64 data");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    quad = (quad + 1) % 4;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
    }
  }
  if (quad == 1) return fail(last_offset, "truncated base64 data (a lone final character)");
  // Leftover bits must be zero for canonical input; CoreFoundation ignores them, so do we.
  // Missing padding is accepted, as CoreFoundation accepts it.
  return out;
}

}  // namespace cmdm::plist
