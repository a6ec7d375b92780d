// UUID generation and formatting through Boost.UUID (name_generator_sha1, random_generator).
#include "plist/uuid.h"

#include <algorithm>
#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <exception>

namespace cmdm::plist {

namespace {

boost::uuids::uuid to_boost(const UuidBytes& bytes) {
  boost::uuids::uuid u{};
  std::copy(bytes.begin(), bytes.end(), u.begin());
  return u;
}

UuidBytes from_boost(const boost::uuids::uuid& u) {
  UuidBytes bytes{};
  std::copy(u.begin(), u.end(), bytes.begin());
  return bytes;
}

}  // namespace

UuidBytes uuid_v5(const UuidBytes& name_space, std::string_view name) {
  boost::uuids::name_generator_sha1 generate(to_boost(name_space));
  // The byte overload: the string overloads of some Boost versions widen each character.
  return from_boost(generate(name.data(), name.size()));
}

UuidBytes uuid_v4(UuidBytes b) {
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return b;
}

Result<UuidBytes> random_uuid_v4() {
  try {
    boost::uuids::random_generator generate;  // getrandom(2), arc4random or /dev/urandom
    return from_boost(generate());
  } catch (const std::exception& e) {
    return Error::make(ExitCode::kInternal, "",
                       std::string("the system random generator failed: ") + e.what());
  }
}

std::string format_uuid(const UuidBytes& b) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0F];
  }
  return out;
}

}  // namespace cmdm::plist
