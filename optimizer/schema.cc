// Reduces Apple's payload schemas to the few facts the passes and the splitter need.
#include "optimizer/schema.h"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>

#include "compiler/schema.h"

namespace cmdm::optimizer {

namespace {

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
void collect_references(const compiler::SchemaKeyList* keys, std::set<std::string>* out, int depth = 0) {
  if (keys == nullptr || depth > 16) return;
  for (const compiler::SchemaKey& k : *keys) {
    if (ends_with(k.key, "UUID") && k.key != "PayloadUUID" && (k.type == "string" || k.type == "array") &&
        lower(k.content).find("payload") != std::string::npos) {
      out->insert(k.key);
    }
    collect_references(k.subkeys, out, depth + 1);
  }
}

}  // namespace

std::string Schema::default_dir() {
  const char* env = std::getenv("CMDM_SCHEMAS");
  return env ? env : "";
}

// The facts come from the compiler's schema model (compiler/schema.h), which the validator uses too,
// so both read Apple's YAML the same way.
Result<Schema> Schema::load(const std::string& dir) {
  Result<std::shared_ptr<compiler::Schema>> opened = compiler::Schema::open(dir);
  if (!opened) return opened.error();
  const compiler::Schema& full = **opened;
  full.load_all();
  if (std::vector<Diagnostic> errors = full.load_errors(); !errors.empty()) {
    return Error(ExitCode::kDataError, std::move(errors.front()));
  }
  Schema schema;
  for (const std::string& type_name : full.payload_types()) {
    const compiler::PayloadSchema* p = full.find(type_name);
    if (p == nullptr) continue;
    collect_references(&p->keys, &schema.reference_keys_);
    if (type_name == "CommonPayloadKeys") {
      for (const compiler::SchemaKey& k : p->keys) schema.common_keys_.insert(k.key);
      continue;
    }
    if (type_name == "TopLevel") continue;
    Type& type = schema.types_[type_name];
    // Custom settings hold other domains' preferences under PayloadContent: its schema lists that
    // one key, but what is inside is open.
    type.open = p->open || type_name == "com.apple.ManagedClient.preferences";
    for (const compiler::SchemaKey& k : p->keys) type.keys.insert(k.key);
    if (auto mac = p->support.find("macOS"); mac != p->support.end()) {
      type.macos_multiple = mac->second.has_multiple && mac->second.multiple;
      type.macos_manual_install = mac->second.manual_install;
    }
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

bool Schema::macos_manual_install(std::string_view payload_type) const {
  auto it = types_.find(payload_type);
  return it == types_.end() || it->second.macos_manual_install;
}

}  // namespace cmdm::optimizer
