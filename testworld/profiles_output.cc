// The output of macOS `profiles show` and `profiles list`, from the emulator's installed profiles.
#include "testworld/profiles_output.h"

#include <algorithm>
#include <map>

#include "plist/calendar.h"
#include "plist/writer.h"

namespace cmdm::testworld {

namespace {

std::string string_or(const plist::Value& dict, std::string_view key, std::string fallback) {
  const std::string* s = dict.get_string(key);
  return s ? *s : std::move(fallback);
}

plist::Value version_of(const plist::Value& dict) {
  const plist::Value* v = dict.get("PayloadVersion");
  return v && v->is_integer() ? *v : plist::Value(1);
}

// CoreFoundation writes dict keys in sorted order; so does `profiles`, at every level.
plist::Value sorted(plist::Value value) {
  if (value.is_array()) {
    for (plist::Value& item : value.as_array()) item = sorted(std::move(item));
  } else if (value.is_dict()) {
    std::vector<plist::DictEntry>& entries = value.as_dict().entries();
    for (plist::DictEntry& e : entries) e.value = sorted(std::move(e.value));
    std::sort(entries.begin(), entries.end(),
              [](const plist::DictEntry& a, const plist::DictEntry& b) { return a.key < b.key; });
  }
  return value;
}

// A payload's settings as ProfileItems shows them: a payload that wraps its settings in
// PayloadContent (ManagedClient preferences) shows that dict; any other shows its keys that are
// not Payload* metadata.
plist::Value payload_settings(const plist::Value& payload) {
  const plist::Value* content = payload.get("PayloadContent");
  if (content && content->is_dict()) return *content;
  plist::Dict settings;
  for (const plist::DictEntry& e : payload.as_dict()) {
    if (e.key.rfind("Payload", 0) != 0) settings.append(e.key, e.value);
  }
  return plist::Value(std::move(settings));
}

plist::Value describe_payload(const plist::Value& payload) {
  plist::Dict item;
  item.append("PayloadContent", payload_settings(payload));
  for (std::string_view key : {"PayloadDisplayName", "PayloadDescription", "PayloadOrganization"}) {
    if (const std::string* s = payload.get_string(key)) item.append(std::string(key), *s);
  }
  item.append("PayloadIdentifier", string_or(payload, "PayloadIdentifier", ""));
  item.append("PayloadType", string_or(payload, "PayloadType", ""));
  item.append("PayloadUUID", string_or(payload, "PayloadUUID", ""));
  item.append("PayloadVersion", version_of(payload));
  return plist::Value(std::move(item));
}

plist::Value profile_items(const plist::Value& profile) {
  plist::Array items;
  const plist::Value* content = profile.get("PayloadContent");
  if (content && content->is_array()) {
    for (const plist::Value& payload : content->as_array()) {
      if (payload.is_dict()) items.push_back(describe_payload(payload));
    }
  }
  return plist::Value(std::move(items));
}

}  // namespace

std::string format_install_date(std::int64_t unix_seconds) {
  std::string iso = plist::format_utc(unix_seconds);  // YYYY-MM-DDTHH:MM:SSZ
  iso[10] = ' ';
  iso.pop_back();
  return iso + " +0000";
}

plist::Value describe_profile(const InstalledProfile& installed) {
  const plist::Value& p = installed.profile;
  plist::Dict d;
  // Real output carries ProfileDescription even when empty (nix-installer's sample).
  d.append("ProfileDescription", string_or(p, "PayloadDescription", ""));
  d.append("ProfileDisplayName", string_or(p, "PayloadDisplayName", installed.identifier));
  d.append("ProfileIdentifier", installed.identifier);
  d.append("ProfileInstallDate", format_install_date(installed.install_time));
  d.append("ProfileItems", profile_items(p));
  if (const std::string* org = p.get_string("PayloadOrganization")) {
    d.append("ProfileOrganization", *org);
  }
  // `profiles` writes this flag as the string "true" (osquery-extension's sample), not <true/>.
  const plist::Value* locked = p.get("PayloadRemovalDisallowed");
  if (locked && locked->is_bool() && locked->as_bool()) {
    d.append("ProfileRemovalDisallowed", "true");
  }
  d.append("ProfileType", "Configuration");
  d.append("ProfileUUID", string_or(p, "PayloadUUID", ""));
  // Profiles the MDM delivered, and signed ones, are shown verified; an unsigned profile installed
  // by hand is not.
  bool verified = installed.signed_profile || installed.source == InstallSource::kMdm;
  d.append("ProfileVerificationState", verified ? "verified" : "unsigned");
  d.append("ProfileVersion", version_of(p));
  return sorted(plist::Value(std::move(d)));
}

plist::Value show_document(const std::vector<InstalledProfile>& profiles) {
  std::map<std::string, plist::Array> by_owner;
  for (const InstalledProfile& p : profiles) by_owner[p.owner].push_back(describe_profile(p));
  plist::Dict root;
  for (auto& [owner, list] : by_owner) root.append(owner, plist::Value(std::move(list)));
  return plist::Value(std::move(root));
}

std::string show_xml(const std::vector<InstalledProfile>& profiles) {
  return plist::write_pretty_xml(show_document(profiles));
}

std::string list_text(const std::vector<InstalledProfile>& profiles, std::string_view owner) {
  std::string out;
  int n = 0;
  for (const InstalledProfile& p : profiles) {
    if (p.owner != owner) continue;
    ++n;
    out += std::string(owner) + "[" + std::to_string(n) +
           "] attribute: profileIdentifier: " + p.identifier + "\n";
  }
  bool system = owner == kComputerLevel;
  if (n == 0) {
    out += system ? "There are no configuration profiles installed in the system domain\n"
                  : "There are no configuration profiles installed for user '" +
                        std::string(owner) + "'\n";
  } else if (system) {
    out += "There are " + std::to_string(n) + " system configuration profiles installed\n";
  } else {
    out += "There are " + std::to_string(n) + " user configuration profiles installed for '" +
           std::string(owner) + "'\n";
  }
  return out;
}

}  // namespace cmdm::testworld
