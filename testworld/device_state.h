// The emulated Mac's installed configuration profiles, kept in a state directory so that the fake
// `profiles` tool, the fake MDM servers and the tests (several processes) see one device. Every
// change is one atomic file write or rename, so a reader never sees half a profile.
//
// Layout of DIR (docs/testworld.md):
//   DIR/os_version            the emulated macOS version ("14.5" when absent)
//   DIR/profiles/<name>.plist one installed profile (XML plist, see InstalledProfile)
//   DIR/pending/<seq>.install a delivery waiting for the device's next poll (profile bytes);
//                             <seq>@<user>.install for one through a user's channel
//   DIR/pending/<seq>.remove  a removal waiting for the next poll (the identifier)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::testworld {

// The owner of device-wide profiles, as `profiles` names it in its output.
inline constexpr std::string_view kComputerLevel = "_computerlevel";

// The macOS version the emulator reports when DIR/os_version is absent: a current system, where
// `profiles install` and `profiles remove` are refused.
inline constexpr std::string_view kDefaultOsVersion = "14.5";

// How a profile arrived: through the MDM channel, or by `profiles install` on an old system.
enum class InstallSource { kMdm, kLocal };

// One installed profile.
struct InstalledProfile {
  std::string identifier;                           // the profile's PayloadIdentifier
  std::string owner = std::string(kComputerLevel);  // a user's short name for a user profile
  std::int64_t install_time = 0;                    // Unix seconds
  bool signed_profile = false;                      // the delivered bytes were CMS SignedData
  InstallSource source = InstallSource::kMdm;
  plist::Value profile;  // the profile's top-level dict, as delivered (signature removed)
};

// A change the MDM sends to the device: install these .mobileconfig bytes (XML, binary or
// CMS-signed), or remove the profile with this identifier.
struct Delivery {
  enum class Kind { kInstall, kRemove };
  Kind kind = Kind::kInstall;
  std::string bytes;         // the profile for kInstall, the identifier for kRemove
  std::string command_uuid;  // for the record only
  // Whose channel it came through: kComputerLevel (the device channel) or a user's short name
  // (that user's channel: the profile installs for that user).
  std::string owner = std::string(kComputerLevel);
};

class DeviceState {
 public:
  // Opens the state directory, creating DIR, DIR/profiles and DIR/pending when missing.
  static Result<DeviceState> open(const std::string& dir);

  const std::string& dir() const { return dir_; }

  // Every installed profile, in install order (then identifier), as `profiles` lists them.
  Result<std::vector<InstalledProfile>> list() const;

  // Installs a profile as the device does: the bytes must be a plist (or CMS SignedData holding
  // one) whose root dict has PayloadType "Configuration", PayloadIdentifier and PayloadUUID. A
  // profile with the same identifier is replaced. kDataError when the profile is refused.
  // `owner` is kComputerLevel or a user's short name.
  Result<InstalledProfile> install(std::string_view bytes, std::int64_t now, InstallSource source,
                                   std::string_view owner = kComputerLevel);

  // Removes the profile with this identifier; false when none is installed.
  Result<bool> remove(std::string_view identifier);

  // Applies a delivery now (install or remove).
  Status apply(const Delivery& delivery, std::int64_t now);

  // Stores a delivery for the device's next poll (DIR/pending/).
  Status enqueue_pending(const Delivery& delivery);
  // Applies the pending deliveries in the order they were stored and deletes them; returns how
  // many were applied. Each is claimed by a rename first, so two pollers never apply one twice.
  // A delivery the device refuses is dropped, as a device reports an error and moves on.
  Result<int> apply_pending(std::int64_t now);

  // The emulated macOS version ("10.15.7", "14.5").
  Result<std::string> os_version() const;
  Status set_os_version(std::string_view version);
  // True before macOS 11, where `profiles install` and `profiles remove` still work.
  Result<bool> allows_local_changes() const;

 private:
  explicit DeviceState(std::string dir) : dir_(std::move(dir)) {}
  std::string profile_path(std::string_view identifier) const;

  std::string dir_;
};

// The file name (without directory) that holds the profile with this identifier: the identifier
// with every byte outside [A-Za-z0-9._-] written %XX, shortened with a SHA-256 when too long.
std::string profile_file_name(std::string_view identifier);

// Seconds since the Unix epoch, from the system clock.
std::int64_t unix_now();

}  // namespace cmdm::testworld
