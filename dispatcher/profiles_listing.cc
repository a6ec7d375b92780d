// Reads the listing `profiles` prints with stdout-xml into InstalledProfile values. Only the keys
// the dispatcher uses are read; any other key (ProfileVerificationState, PayloadContent, ...) is
// ignored, so a newer macOS adding keys does not break listing.
#include <cctype>
#include <cstdio>

#include "dispatcher/device.h"
#include "plist/calendar.h"
#include "plist/reader.h"

namespace cmdm::dispatcher {

std::string_view scope_name(ProfileScope scope) {
  return scope == ProfileScope::kSystem ? "system" : "user";
}

namespace {

// The key under which `profiles` lists system-scope profiles; every other key is a user name.
constexpr std::string_view kComputerLevel = "_computerlevel";

class ListingReader {
 public:
  ListingReader(const plist::Document& doc, std::string file) : doc_(doc), file_(std::move(file)) {}

  Result<std::vector<InstalledProfile>> read() {
    if (!doc_.root.is_dict()) return fail(doc_.root, {}, "the listing is not a dict");
    std::vector<InstalledProfile> out;
    for (const plist::DictEntry& entry : doc_.root.as_dict()) {
      const plist::KeyPath path = plist::KeyPath().key(entry.key);
      if (!entry.value.is_array()) return fail(entry.value, path, "expected an array of profiles");
      const plist::Array& profiles = entry.value.as_array();
      for (std::size_t i = 0; i < profiles.size(); ++i) {
        Result<InstalledProfile> profile = read_profile(profiles[i], path.index(i));
        if (!profile) return profile.error();
        if (entry.key != kComputerLevel) {
          profile->scope = ProfileScope::kUser;
          profile->user = entry.key;
        }
        out.push_back(std::move(*profile));
      }
    }
    return out;
  }

 private:
  Result<InstalledProfile> read_profile(const plist::Value& value, const plist::KeyPath& path) {
    if (!value.is_dict()) return fail(value, path, "expected a profile dict");
    InstalledProfile profile;
    const Status strings = all_ok({
        string_at(value, path, "ProfileIdentifier", /*required=*/true, &profile.identifier),
        string_at(value, path, "ProfileUUID", /*required=*/true, &profile.uuid),
        string_at(value, path, "ProfileDisplayName", false, &profile.display_name),
        string_at(value, path, "ProfileOrganization", false, &profile.organization),
    });
    if (!strings) return strings.error();
    if (Status date = install_date(value, path, &profile.install_date); !date) return date.error();
    const plist::Value* items = value.get("ProfileItems");
    if (items == nullptr) return profile;
    const plist::KeyPath items_path = path.key("ProfileItems");
    if (!items->is_array()) return fail(*items, items_path, "expected an array of payloads");
    for (std::size_t i = 0; i < items->as_array().size(); ++i) {
      Result<InstalledPayload> payload = read_payload(items->as_array()[i], items_path.index(i));
      if (!payload) return payload.error();
      profile.payloads.push_back(std::move(*payload));
    }
    return profile;
  }

  Result<InstalledPayload> read_payload(const plist::Value& value, const plist::KeyPath& path) {
    if (!value.is_dict()) return fail(value, path, "expected a payload dict");
    InstalledPayload payload;
    const Status strings = all_ok({
        string_at(value, path, "PayloadIdentifier", false, &payload.identifier),
        string_at(value, path, "PayloadType", false, &payload.type),
        string_at(value, path, "PayloadUUID", false, &payload.uuid),
    });
    if (!strings) return strings.error();
    return payload;
  }

  static Status all_ok(std::initializer_list<Status> statuses) {
    for (const Status& s : statuses) {
      if (!s) return s.error();
    }
    return Ok{};
  }

  Status string_at(const plist::Value& dict, const plist::KeyPath& path, std::string_view key,
                   bool required, std::string* out) {
    const plist::Value* v = dict.get(key);
    if (v == nullptr) {
      if (!required) return Ok{};
      return fail(dict, path, "the profile has no " + std::string(key));
    }
    if (!v->is_string()) return fail(*v, path.key(key), "expected a string");
    *out = v->as_string();
    return Ok{};
  }

  // `profiles` writes the date as a string ("2023-03-31 01:14:38 +0000"); a <date> is accepted
  // too, since that is how a plist would naturally hold it.
  Status install_date(const plist::Value& dict, const plist::KeyPath& path,
                      std::optional<std::int64_t>* out) {
    const plist::Value* v = dict.get("ProfileInstallDate");
    if (v == nullptr) return Ok{};
    if (v->is_date()) {
      *out = v->as_date().unix_seconds();
      return Ok{};
    }
    if (v->is_string()) *out = parse_install_date(v->as_string());
    if (!out->has_value()) {
      return fail(*v, path.key("ProfileInstallDate"),
                  "expected a date such as \"2023-03-31 01:14:38 +0000\"");
    }
    return Ok{};
  }

  static std::optional<std::int64_t> parse_install_date(const std::string& text) {
    int year, month, day, hour, minute, second, consumed = 0;
    char sign = 0;
    unsigned offset = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d %2d:%2d:%2d %c%4u%n", &year, &month, &day, &hour,
                    &minute, &second, &sign, &offset, &consumed) != 8 ||
        static_cast<std::size_t>(consumed) != text.size() || (sign != '+' && sign != '-') ||
        month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 ||
        offset % 100 > 59) {
      return std::nullopt;
    }
    const std::int64_t local = plist::unix_seconds_of(year, month, day, hour, minute, second);
    const std::int64_t shift = (offset / 100) * 3600 + (offset % 100) * 60;
    return sign == '+' ? local - shift : local + shift;
  }

  Error fail(const plist::Value& at, const plist::KeyPath& path, std::string message) const {
    Diagnostic d = at.offset() == plist::kNoOffset || !doc_.source
                       ? Diagnostic{.file = file_, .message = message}
                       : Diagnostic::at(*doc_.source, at.offset(), message);
    d.key_path = path.str();
    return Error(ExitCode::kDataError, std::move(d));
  }

  const plist::Document& doc_;
  std::string file_;
};

bool is_blank(std::string_view bytes) {
  for (char c : bytes) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<InstalledProfile>> parse_profiles_listing(std::string_view bytes,
                                                             const std::string& file_name) {
  // With nothing installed, some macOS versions print a sentence instead of an empty plist.
  if (is_blank(bytes) || bytes.find("There are no configuration profiles installed") == 0) {
    return std::vector<InstalledProfile>{};
  }
  Result<plist::Document> doc = plist::read_xml(bytes, {.file_name = file_name});
  if (!doc) return doc.error();
  return ListingReader(*doc, file_name).read();
}

}  // namespace cmdm::dispatcher
