// What the dispatcher needs from the Mac it runs on, as small interfaces: the profiles installed,
// installing and removing a profile locally, and the device's facts. The macOS implementations
// run the real tools through a ProcessRunner; tests pass fakes of either.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/process.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

// Where a profile is installed: for the whole computer, or for one user.
enum class ProfileScope { kSystem, kUser };
std::string_view scope_name(ProfileScope scope);  // "system", "user"

struct InstalledPayload {
  std::string identifier;
  std::string type;
  std::string uuid;
};

// One installed profile as `profiles` reports it.
struct InstalledProfile {
  std::string identifier;
  std::string uuid;
  std::string display_name;
  std::string organization;
  std::optional<std::int64_t> install_date;  // Unix seconds, when reported
  ProfileScope scope = ProfileScope::kSystem;
  std::string user;  // the user owning a user-scope profile; empty for system scope
  std::vector<InstalledPayload> payloads;
};

// Lists the configuration profiles installed on the device.
class ProfileLister {
 public:
  virtual ~ProfileLister() = default;
  virtual Result<std::vector<InstalledProfile>> list() = 0;
};

// Installs or removes a profile on the device itself, without an MDM (the emulator, and Macs where
// the configured route is local).
class LocalInstaller {
 public:
  virtual ~LocalInstaller() = default;
  // Installs the .mobileconfig at `path` (system scope).
  virtual Status install(const std::string& path) = 0;
  // Removes the installed profile with this PayloadIdentifier.
  virtual Status remove(const std::string& identifier) = 0;
};

// What the dispatcher knows about the device: the values templates are compiled against and the
// identity a route names the device by.
struct DeviceFacts {
  std::string os_version;     // ProductVersion, e.g. 14.4.1
  std::string build;          // BuildVersion, e.g. 23E224
  std::string serial_number;  // IOPlatformSerialNumber
  std::string udid;           // IOPlatformUUID: the UDID an MDM server knows a Mac by
  std::string model;          // hw.model, e.g. MacBookPro18,3
  std::string hostname;
  std::string computer_name;  // the user-visible name (scutil --get ComputerName)
  std::string console_user;   // empty when nobody is logged in at the console
  std::string arch;           // arm64 or x86_64 (the hardware's, also under Rosetta)
};

class FactSource {
 public:
  virtual ~FactSource() = default;
  virtual Result<DeviceFacts> facts() = 0;
};

// Parses the XML property list that `profiles show -output stdout-xml` and the legacy
// `profiles -P -o stdout-xml` print: a dict whose keys are `_computerlevel` (system scope) or a
// user name, each holding an array of profile dicts. Empty output and Apple's "There are no
// configuration profiles installed" message are an empty list. Errors are ExitCode::kDataError
// with line, column and key path inside `file_name`.
Result<std::vector<InstalledProfile>> parse_profiles_listing(std::string_view bytes,
                                                             const std::string& file_name);

// Parsers of the fact tools' outputs; each names `tool` in its errors (ExitCode::kDataError).
struct SwVers {
  std::string product_version;
  std::string build_version;
};
Result<SwVers> parse_sw_vers(std::string_view out, const std::string& tool);
struct PlatformIds {
  std::string serial_number;
  std::string uuid;
};
Result<PlatformIds> parse_ioreg_platform(std::string_view out, const std::string& tool);
// The single line a tool prints (sysctl -n, scutil --get, hostname, stat): trailing newline
// removed; empty or multi-line output is an error.
Result<std::string> parse_single_line(std::string_view out, const std::string& tool);

// Paths of the tools the macOS implementations run (configurable for tests and the emulator).
struct MacosTools {
  std::string profiles = "/usr/bin/profiles";
  std::string sw_vers = "/usr/bin/sw_vers";
  std::string sysctl = "/usr/sbin/sysctl";
  std::string ioreg = "/usr/sbin/ioreg";
  std::string scutil = "/usr/sbin/scutil";
  std::string hostname = "/bin/hostname";
  std::string stat = "/usr/bin/stat";
  std::string uname = "/usr/bin/uname";
  // The pre-macOS 11 verbs (`-P -o stdout-xml`, `-I -F`, `-R -p`) instead of `show`, `install`
  // and `remove`.
  bool legacy_profiles_verbs = false;
  std::chrono::milliseconds timeout{60'000};
  // No environment of their own: the tools run with the fixed PATH and LC_ALL alone
  // (make_posix_process_runner), whatever the caller's environment holds.
};

// The implementations over the real tools. `runner` must outlive them.
std::unique_ptr<ProfileLister> make_macos_profile_lister(ProcessRunner& runner, MacosTools tools);
std::unique_ptr<LocalInstaller> make_macos_installer(ProcessRunner& runner, MacosTools tools);
std::unique_ptr<FactSource> make_macos_fact_source(ProcessRunner& runner, MacosTools tools);

}  // namespace cmdm::dispatcher
