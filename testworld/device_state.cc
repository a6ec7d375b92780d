// The state directory of the emulated Mac: one XML plist per installed profile, written atomically,
// and a directory of deliveries waiting for the next poll.
#include "testworld/device_state.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "plist/file_io.h"
#include "plist/hash.h"
#include "plist/reader.h"
#include "plist/writer.h"
#include "signer/signer.h"

namespace cmdm::testworld {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kInstallSuffix = ".install";
constexpr std::string_view kRemoveSuffix = ".remove";
// File names stay well below the 255 bytes most file systems allow, with room for the suffix and
// the temporary names of atomic writes.
constexpr std::size_t kMaxFileStem = 160;

Error io_error(const std::string& path, const std::string& what) {
  return Error::make(ExitCode::kIoError, path, what);
}

Error data_error(const std::string& name, const std::string& what) {
  return Error::make(ExitCode::kDataError, name, what);
}

std::string_view source_name(InstallSource source) {
  return source == InstallSource::kLocal ? "local" : "mdm";
}

// The record a profile file holds: the profile and what `profiles` shows about its installation.
std::string encode_record(const InstalledProfile& p) {
  plist::Dict d;
  d.append("Identifier", p.identifier);
  d.append("Owner", p.owner);
  d.append("InstallTime", static_cast<std::int64_t>(p.install_time));
  d.append("Signed", p.signed_profile);
  d.append("Source", std::string(source_name(p.source)));
  d.append("Profile", p.profile);
  return plist::write_pretty_xml(plist::Value(std::move(d)));
}

Result<InstalledProfile> decode_record(std::string_view bytes, const std::string& path) {
  plist::ReadOptions options;
  options.file_name = path;
  Result<plist::Document> doc = plist::read(bytes, options);
  if (!doc) return doc.error();
  const plist::Value& root = doc->root;
  const std::string* identifier = root.get_string("Identifier");
  const std::string* owner = root.get_string("Owner");
  const plist::Value* time = root.get("InstallTime");
  const plist::Value* is_signed = root.get("Signed");
  const std::string* source = root.get_string("Source");
  const plist::Value* profile = root.get("Profile");
  if (!identifier || !owner || !time || !time->is_integer() || !is_signed ||
      !is_signed->is_bool() || !source || !profile || !profile->is_dict()) {
    return data_error(path, "not a profile record of the device emulator (docs/testworld.md)");
  }
  return InstalledProfile{
      .identifier = *identifier,
      .owner = *owner,
      .install_time = time->as_integer().as_int64(),
      .signed_profile = is_signed->as_bool(),
      .source = *source == "local" ? InstallSource::kLocal : InstallSource::kMdm,
      .profile = *profile};
}

// The profile inside the delivered bytes, with the signature removed as the device does after
// checking it (the emulator trusts every signer: trust is the relay's test, not the device's).
struct Unpacked {
  plist::Value root;
  bool was_signed = false;
};

Result<Unpacked> unpack_profile(std::string_view bytes) {
  Unpacked out;
  std::string content;
  if (signer::is_cms(bytes)) {
    Result<signer::Unwrapped> unwrapped = signer::unwrap(bytes, "<delivered profile>");
    if (!unwrapped) return unwrapped.error();
    content = std::move(unwrapped->content);
    out.was_signed = true;
    bytes = content;
  }
  plist::ReadOptions options;
  options.file_name = "<delivered profile>";
  Result<plist::Document> doc = plist::read(bytes, options);
  if (!doc) return doc.error();
  out.root = std::move(doc->root);
  return out;
}

// The checks macOS makes before it installs a profile, with the wording of a device's error.
Status check_profile(const plist::Value& root) {
  const std::string name = "<delivered profile>";
  if (!root.is_dict()) return data_error(name, "the profile is not a dictionary");
  const std::string* type = root.get_string("PayloadType");
  if (!type || *type != "Configuration") {
    return data_error(name, "the profile's PayloadType is not \"Configuration\"");
  }
  const std::string* identifier = root.get_string("PayloadIdentifier");
  if (!identifier || identifier->empty()) {
    return data_error(name, "the profile has no PayloadIdentifier");
  }
  if (!root.get_string("PayloadUUID")) return data_error(name, "the profile has no PayloadUUID");
  const plist::Value* content = root.get("PayloadContent");
  if (content && !content->is_array()) {
    return data_error(name, "the profile's PayloadContent is not an array");
  }
  return Ok{};
}

Status ensure_directory(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return io_error(path, "cannot create directory: " + ec.message());
  return Ok{};
}

// A name that sorts in the order deliveries were stored, unique across processes and threads.
std::string pending_stem() {
  static std::atomic<std::uint64_t> counter{0};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  char buf[96];
  std::snprintf(buf, sizeof buf, "%020lld-%08ld-%06llu", static_cast<long long>(ns),
                static_cast<long>(getpid()), static_cast<unsigned long long>(counter++));
  return buf;
}

}  // namespace

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string profile_file_name(std::string_view identifier) {
  std::string stem;
  for (unsigned char c : identifier) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || (c == '.' && !stem.empty());
    if (plain) {
      stem += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      stem += buf;
    }
  }
  if (stem.size() > kMaxFileStem) {
    stem = stem.substr(0, 80) + "~" + plist::sha256_hex(identifier);
  }
  return stem + ".plist";
}

Result<DeviceState> DeviceState::open(const std::string& dir) {
  if (dir.empty()) return Error::make(ExitCode::kUsage, "", "no device state directory given");
  for (const std::string& sub : {dir, dir + "/profiles", dir + "/pending"}) {
    Status made = ensure_directory(sub);
    if (!made) return made.error();
  }
  return DeviceState(dir);
}

std::string DeviceState::profile_path(std::string_view identifier) const {
  return dir_ + "/profiles/" + profile_file_name(identifier);
}

Result<std::vector<InstalledProfile>> DeviceState::list() const {
  std::vector<InstalledProfile> out;
  std::error_code ec;
  const std::string profiles_dir = dir_ + "/profiles";
  for (const fs::directory_entry& entry : fs::directory_iterator(profiles_dir, ec)) {
    const std::string path = entry.path().string();
    // Temporary files of writes in progress end otherwise; only whole records are read.
    if (entry.path().extension() != ".plist") continue;
    Result<std::string> bytes = read_file(path);
    if (!bytes) {
      // Removed between listing and reading: another process removed the profile.
      if (!fs::exists(entry.path())) continue;
      return bytes.error();
    }
    Result<InstalledProfile> record = decode_record(*bytes, path);
    if (!record) return record.error();
    out.push_back(std::move(*record));
  }
  if (ec) return io_error(profiles_dir, "cannot list: " + ec.message());
  std::sort(out.begin(), out.end(), [](const InstalledProfile& a, const InstalledProfile& b) {
    if (a.install_time != b.install_time) return a.install_time < b.install_time;
    return a.identifier < b.identifier;
  });
  return out;
}

Result<InstalledProfile> DeviceState::install(std::string_view bytes, std::int64_t now,
                                              InstallSource source, std::string_view owner) {
  Result<Unpacked> unpacked = unpack_profile(bytes);
  if (!unpacked) return unpacked.error();
  Status checked = check_profile(unpacked->root);
  if (!checked) return checked.error();
  InstalledProfile record{.identifier = *unpacked->root.get_string("PayloadIdentifier"),
                          .owner = std::string(owner),
                          .install_time = now,
                          .signed_profile = unpacked->was_signed,
                          .source = source,
                          .profile = std::move(unpacked->root)};
  Status written = write_file_atomic(profile_path(record.identifier), encode_record(record));
  if (!written) return written.error();
  return record;
}

Result<bool> DeviceState::remove(std::string_view identifier) {
  const std::string path = profile_path(identifier);
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  return io_error(path, std::string("cannot remove: ") + std::strerror(errno));
}

Status DeviceState::apply(const Delivery& delivery, std::int64_t now) {
  if (delivery.kind == Delivery::Kind::kRemove) {
    Result<bool> removed = remove(delivery.bytes);
    if (!removed) return removed.error();
    return Ok{};
  }
  Result<InstalledProfile> installed =
      install(delivery.bytes, now, InstallSource::kMdm, delivery.owner);
  if (!installed) return installed.error();
  return Ok{};
}

Status DeviceState::enqueue_pending(const Delivery& delivery) {
  // A user's channel is kept in the name (short names are [A-Za-z0-9._-], written as such).
  std::string owner = delivery.owner == kComputerLevel ? "" : "@" + delivery.owner;
  std::string path =
      dir_ + "/pending/" + pending_stem() + owner +
      std::string(delivery.kind == Delivery::Kind::kInstall ? kInstallSuffix : kRemoveSuffix);
  return write_file_atomic(path, delivery.bytes);
}

Result<int> DeviceState::apply_pending(std::int64_t now) {
  const std::string pending_dir = dir_ + "/pending";
  std::vector<fs::path> names;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(pending_dir, ec)) {
    std::string ext = entry.path().extension().string();
    if (ext == kInstallSuffix || ext == kRemoveSuffix) names.push_back(entry.path());
  }
  if (ec) return io_error(pending_dir, "cannot list: " + ec.message());
  std::sort(names.begin(), names.end());
  int applied = 0;
  for (const fs::path& name : names) {
    const std::string claimed = name.string() + ".taken-" + std::to_string(getpid());
    if (::rename(name.c_str(), claimed.c_str()) != 0) continue;  // another poller took it
    Result<std::string> bytes = read_file(claimed);
    ::unlink(claimed.c_str());
    if (!bytes) return bytes.error();
    Delivery delivery{.kind = name.extension() == kInstallSuffix ? Delivery::Kind::kInstall
                                                                 : Delivery::Kind::kRemove,
                      .bytes = std::move(*bytes)};
    std::string stem = name.stem().string();
    if (std::size_t at = stem.find('@'); at != std::string::npos) {
      delivery.owner = stem.substr(at + 1);
    }
    if (apply(delivery, now)) ++applied;
  }
  return applied;
}

Result<std::string> DeviceState::os_version() const {
  const std::string path = dir_ + "/os_version";
  if (!fs::exists(path)) return std::string(kDefaultOsVersion);
  Result<std::string> text = read_file(path, 64);
  if (!text) return text.error();
  std::string version = *text;
  while (!version.empty() && (version.back() == '\n' || version.back() == ' ')) version.pop_back();
  return version;
}

Status DeviceState::set_os_version(std::string_view version) {
  return write_file_atomic(dir_ + "/os_version", std::string(version) + "\n");
}

Result<bool> DeviceState::allows_local_changes() const {
  Result<std::string> version = os_version();
  if (!version) return version.error();
  int major = std::atoi(version->c_str());
  if (major <= 0) {
    return data_error(dir_ + "/os_version", "not a macOS version: \"" + *version + "\"");
  }
  return major < 11;
}

}  // namespace cmdm::testworld
