// Reads Apple's payload schemas (YAML) into the few facts the passes and the splitter need.
#include "optimizer/schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "plist/file_io.h"

namespace cmdm::optimizer {

namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A key names another payload when it is a string ending in "UUID" whose text speaks of a payload
// (PayloadCertificateUUID, VPNUUID, EncryptCertPayloadUUID...); OrganizationUUID and the like, which
// identify things outside the profile, do not mention one.
// Depth-limited: the schemas share subkey lists through YAML aliases, and a few of those lists
// contain themselves (recursive structures such as nested dictionaries).
void collect_references(const YAML::Node& keys, std::set<std::string>* out, int depth = 0) {
  if (!keys || !keys.IsSequence() || depth > 16) return;
  for (const YAML::Node& k : keys) {
    if (!k.IsMap() || !k["key"]) continue;
    std::string name = k["key"].as<std::string>("");
    std::string type = k["type"] ? k["type"].as<std::string>("") : "";
    std::string content = k["content"] ? lower(k["content"].as<std::string>("")) : "";
    if (ends_with(name, "UUID") && name != "PayloadUUID" && (type == "<string>" || type == "<array>") &&
        content.find("payload") != std::string::npos) {
      out->insert(name);
    }
    collect_references(k["subkeys"], out, depth + 1);
  }
}

}  // namespace

std::string Schema::default_dir() {
  const char* env = std::getenv("CMDM_SCHEMAS");
  return env ? env : "";
}

Result<Schema> Schema::load(const std::string& dir) {
  fs::path root(dir);
  std::error_code ec;
  if (fs::is_directory(root / "mdm" / "profiles", ec)) root = root / "mdm" / "profiles";
  if (!fs::is_directory(root, ec)) {
    return Error::make(ExitCode::kIoError, dir, "schema directory not found");
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Error::make(ExitCode::kIoError, dir, "no *.yaml payload schemas in it");
  Schema schema;
  for (const fs::path& file : files) {
    Result<std::string> text = read_file(file.string());
    if (!text) return text.error();
    YAML::Node doc;
    try {
      doc = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
      return Error::make(ExitCode::kDataError, file.string(), std::string("bad schema: ") + e.what());
    }
    const YAML::Node payload = doc["payload"];
    if (!payload || !payload["payloadtype"]) continue;
    std::string type_name = payload["payloadtype"].as<std::string>("");
    const YAML::Node keys = doc["payloadkeys"];
    collect_references(keys, &schema.reference_keys_);
    if (type_name == "CommonPayloadKeys") {
      if (keys && keys.IsSequence()) {
        for (const YAML::Node& k : keys) {
          if (k.IsMap() && k["key"]) schema.common_keys_.insert(k["key"].as<std::string>(""));
        }
      }
      continue;
    }
    if (type_name == "TopLevel") continue;
    // Custom settings hold other domains' preferences under PayloadContent: its schema lists that
    // one key, but what is inside is open.
    if (type_name == "com.apple.ManagedClient.preferences") schema.types_[type_name].open = true;
    // Several files may describe one type (com.apple.MCX): their keys add up.
    Type& type = schema.types_[type_name];
    if (keys && keys.IsSequence()) {
      for (const YAML::Node& k : keys) {
        if (!k.IsMap() || !k["key"]) continue;
        std::string name = k["key"].as<std::string>("");
        if (name == "ANY") type.open = true;
        type.keys.insert(name);
      }
    }
    const YAML::Node mac = payload["supportedOS"] ? payload["supportedOS"]["macOS"] : YAML::Node();
    if (mac && mac.IsMap() && mac["multiple"]) type.macos_multiple |= mac["multiple"].as<bool>(false);
  }
  return schema;
}

Schema::Kind Schema::kind(std::string_view payload_type) const {
  auto it = types_.find(payload_type);
  if (it == types_.end()) return Kind::kUnknown;
  return it->second.open ? Kind::kOpen : Kind::kClosed;
}

bool Schema::knows_key(std::string_view payload_type, std::string_view key) const {
  if (common_keys_.count(key)) return true;
  auto it = types_.find(payload_type);
  return it != types_.end() && (it->second.open || it->second.keys.count(std::string(key)));
}

bool Schema::macos_multiple(std::string_view payload_type) const {
  auto it = types_.find(payload_type);
  return it != types_.end() && it->second.macos_multiple;
}

}  // namespace cmdm::optimizer
