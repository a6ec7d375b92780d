// UUIDs by RFC 4122: version 5 (name-based, SHA-1) for stable identity, version 4 (random) for
// CommandUUIDs, both with the RFC variant bits, written as upper-case canonical text. The one place
// cmdm makes UUIDs; Boost.UUID does the work and stays out of this header.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "plist/diagnostic.h"

namespace cmdm::plist {

using UuidBytes = std::array<std::uint8_t, 16>;

// The version 5 UUID of `name` in `name_space`: SHA-1 of the namespace's 16 bytes followed by the
// name's bytes, version and variant bits set (Python's uuid.uuid5 gives the same value).
UuidBytes uuid_v5(const UuidBytes& name_space, std::string_view name);

// 16 random bytes made a version 4 UUID (version and variant bits set, the other 122 bits kept).
UuidBytes uuid_v4(UuidBytes random);

// A fresh version 4 UUID from the operating system's random generator; an error when it fails.
Result<UuidBytes> random_uuid_v4();

// "6BA7B810-9DAD-11D1-80B4-00C04FD430C8": 36 characters, upper case, as Apple writes them.
std::string format_uuid(const UuidBytes& uuid);

}  // namespace cmdm::plist
