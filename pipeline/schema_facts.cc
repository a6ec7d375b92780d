// Reduces Apple's payload schemas to the few facts the passes and the splitter need.
#include "pipeline/schema_facts.h"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/predicate.hpp>

#include "compiler/schema.h"

namespace cmdm::pipeline {

namespace {

// A key names another payload when it is a string ending in "UUID" whose text speaks of a payload
// (PayloadCertificateUUID, VPNUUID, EncryptCertPayloadUUID...); OrganizationUUID and the like,
// which identify things outside the profile, do not mention one. Depth-limited: the schemas share
// subkey lists through YAML aliases, and a few of those lists contain themselves (recursive
// structures such as nested dictionaries).
void collect_references(const compiler::SchemaKeyList* keys, optimizer::SchemaFacts& out,
                        int depth = 0) {
  if (keys == nullptr || depth > 16) return;
  for (const compiler::SchemaKey& k : *keys) {
    if (k.key.ends_with("UUID") && k.key != "PayloadUUID" &&
        (k.type == "string" || k.type == "array") &&
        boost::algorithm::icontains(k.content, "payload")) {
      out.add_reference_key(k.key);
    }
    collect_references(k.subkeys, out, depth + 1);
  }
}

}  // namespace

Result<optimizer::SchemaFacts> load_schema_facts(const std::string& dir) {
  Result<std::shared_ptr<compiler::Schema>> opened = compiler::Schema::open(dir);
  if (!opened) return opened.error();
  const compiler::Schema& full = **opened;
  full.load_all();
  if (std::vector<Diagnostic> errors = full.load_errors(); !errors.empty()) {
    return Error(ExitCode::kDataError, std::move(errors.front()));
  }
  optimizer::SchemaFacts facts;
  for (const std::string& type_name : full.payload_types()) {
    const compiler::PayloadSchema* p = full.find(type_name);
    if (p == nullptr) continue;
    collect_references(&p->keys, facts);
    if (type_name == "CommonPayloadKeys") {
      for (const compiler::SchemaKey& k : p->keys) facts.add_common_key(k.key);
      continue;
    }
    if (type_name == "TopLevel") continue;
    optimizer::SchemaFacts::Type type;
    // Custom settings hold other domains' preferences under PayloadContent: its schema lists that
    // one key, but what is inside is open.
    type.open = p->open || type_name == "com.apple.ManagedClient.preferences";
    for (const compiler::SchemaKey& k : p->keys) type.keys.insert(k.key);
    if (auto mac = p->support.find("macOS"); mac != p->support.end()) {
      type.macos_multiple = mac->second.has_multiple && mac->second.multiple;
      type.macos_manual_install = mac->second.manual_install;
    }
    facts.add_type(type_name, std::move(type));
  }
  return facts;
}

}  // namespace cmdm::pipeline
