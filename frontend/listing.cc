// Merges split parts back into their source in a `profiles` listing (frontend/listing.h).
#include "frontend/listing.h"

#include <map>

#include "plist/calendar.h"
#include "plist/reader.h"
#include "plist/writer.h"

namespace cmdm::frontend {
namespace {

// Apple writes both as strings; a hand-written or older listing may hold <date/> and <true/>.
void normalize_types(plist::Dict& entry) {
  if (plist::Value* date = entry.find("ProfileInstallDate"); date != nullptr && date->is_date()) {
    *date = plist::Value(format_install_date(date->as_date().unix_seconds()));
  }
  if (plist::Value* removal = entry.find("ProfileRemovalDisallowed");
      removal != nullptr && removal->is_bool()) {
    *removal = plist::Value(removal->as_bool() ? "true" : "false");
  }
}

std::string identifier_of(const plist::Value& entry) {
  const std::string* id = entry.get_string("ProfileIdentifier");
  return id == nullptr ? std::string() : *id;
}

// The one entry a source shows as: its first part's entry with the source's identity, every
// part's payloads, and the ledger's install date.
plist::Value merged_entry(const dispatcher::SourceRecord& source,
                          const std::map<std::string, const plist::Value*>& listed) {
  plist::Value entry = *listed.at(source.parts.front());
  plist::Dict& d = entry.as_dict();
  d.set("ProfileIdentifier", source.identifier);
  d.set("ProfileUUID", source.uuid);
  if (!source.display_name.empty()) d.set("ProfileDisplayName", source.display_name);
  if (source.installed_at != 0) {
    d.set("ProfileInstallDate", format_install_date(source.installed_at));
  }
  plist::Array items;
  for (const std::string& part : source.parts) {
    const plist::Value* part_items = listed.at(part)->get("ProfileItems");
    if (part_items == nullptr || !part_items->is_array()) continue;
    for (const plist::Value& item : part_items->as_array()) items.push_back(item);
  }
  if (d.contains("ProfileItems")) d.set("ProfileItems", std::move(items));
  normalize_types(d);
  return entry;
}

// One owner's array: each complete source in the place of its first listed part.
plist::Array merge_owner(const plist::Array& entries,
                         const std::vector<dispatcher::SourceRecord>& sources) {
  std::map<std::string, const plist::Value*> listed;
  for (const plist::Value& e : entries) listed.emplace(identifier_of(e), &e);
  std::map<std::string, const dispatcher::SourceRecord*> source_of;
  for (const dispatcher::SourceRecord& s : sources) {
    bool complete = !s.parts.empty();
    for (const std::string& part : s.parts) complete = complete && listed.contains(part);
    if (!complete) continue;
    for (const std::string& part : s.parts) source_of.emplace(part, &s);
  }
  plist::Array out;
  std::map<const dispatcher::SourceRecord*, bool> shown;
  for (const plist::Value& e : entries) {
    auto source = source_of.find(identifier_of(e));
    if (source == source_of.end()) {
      out.push_back(e);
      if (out.back().is_dict()) normalize_types(out.back().as_dict());
    } else if (!shown[source->second]) {
      shown[source->second] = true;
      out.push_back(merged_entry(*source->second, listed));
    }
  }
  return out;
}

bool keeps(std::string_view owner, ListScope scope, const std::string& user) {
  switch (scope) {
    case ListScope::kAll:
      return true;
    case ListScope::kComputer:
      return owner == kComputerLevel;
    case ListScope::kUser:
      return owner != kComputerLevel && (user.empty() || owner == user);
  }
  return true;
}

// The real tool prints a sentence instead of a property list when nothing is installed.
bool is_empty_listing(std::string_view bytes) {
  std::size_t first = bytes.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos || bytes[first] != '<';
}

}  // namespace

std::string format_install_date(std::int64_t unix_seconds) {
  std::string iso = plist::format_utc(unix_seconds);  // YYYY-MM-DDTHH:MM:SSZ
  iso[10] = ' ';
  iso.pop_back();
  return iso + " +0000";
}

Result<plist::Value> merge_listing(std::string_view bytes, const std::string& file_name,
                                   const std::vector<dispatcher::SourceRecord>& sources,
                                   ListScope scope, const std::string& user) {
  if (is_empty_listing(bytes)) return plist::Value(plist::Dict());
  Result<plist::Document> doc = plist::read(bytes, {.file_name = file_name});
  if (!doc) return doc.error();
  if (!doc->root.is_dict()) {
    return Error::make(ExitCode::kDataError, file_name,
                       "the profiles listing is not a dictionary of owners");
  }
  plist::Dict out;
  for (const plist::DictEntry& owner : doc->root.as_dict()) {
    if (!keeps(owner.key, scope, user)) continue;
    if (!owner.value.is_array()) {
      return Error::make(ExitCode::kDataError, file_name,
                         "the profiles listing's " + owner.key + " is not an array");
    }
    out.append(owner.key, merge_owner(owner.value.as_array(), sources));
  }
  return plist::Value(std::move(out));
}

std::string listing_xml(const plist::Value& listing) { return plist::write_pretty_xml(listing); }

std::string listing_text(const plist::Value& listing, ListScope scope, const std::string& user) {
  std::string out;
  for (const plist::DictEntry& owner : listing.as_dict()) {
    const bool system = owner.key == kComputerLevel;
    const std::size_t n = owner.value.is_array() ? owner.value.as_array().size() : 0;
    for (std::size_t i = 0; i < n; ++i) {
      out += owner.key + "[" + std::to_string(i + 1) +
             "] attribute: profileIdentifier: " + identifier_of(owner.value.as_array()[i]) + "\n";
    }
    if (n == 0) continue;
    out += system ? "There are " + std::to_string(n) + " system configuration profiles installed\n"
                  : "There are " + std::to_string(n) +
                        " user configuration profiles installed for '" + owner.key + "'\n";
  }
  if (out.empty()) {
    out = scope == ListScope::kUser && !user.empty()
              ? "There are no configuration profiles installed for user '" + user + "'\n"
              : "There are no configuration profiles installed in the system domain\n";
  }
  return out;
}

}  // namespace cmdm::frontend
