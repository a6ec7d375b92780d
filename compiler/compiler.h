// The compiler: turns a profile source (plist, CMS-signed plist, JSON, YAML; optionally a
// template) into a complete profile model with stable identity, and validates profiles against
// Apple's schema. The build pipeline and `cmdm compile` / `cmdm validate` call only this header.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/schema.h"
#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::compiler {

// What templates see: variables at the top level, device facts under `facts`. A plain dict so
// callers (the dispatcher, tests) can fill it directly.
struct Context {
  plist::Dict values;

  // Sets a (possibly dotted) name: "team" or "facts.os_version". Intermediate dicts are created.
  void set(std::string_view dotted_name, plist::Value value);
  // Merges a dict into the top level (later wins, key by key at the top level only).
  void merge(const plist::Dict& dict);
};

// Parses one `--var` argument: `name=text` sets a string; `name:=json` sets a typed value
// (`team_ids:=["A","B"]`, `n:=3`, `on:=true`). Usage errors carry ExitCode::kUsage.
Status add_var_assignment(Context& context, std::string_view assignment);

// Reads a variables file (XML/binary plist, JSON or YAML, by content and extension) whose root
// must be a dict, and merges it into the top level (`--vars`) or under `facts` (`--facts`).
Status add_vars_file(Context& context, const std::string& path);
Status add_facts_file(Context& context, const std::string& path);

// Reads any supported data file into a plain value (no templates): used for variables, facts,
// and by callers that need JSON/YAML profiles as values.
Result<plist::Value> load_data_file(const std::string& path);

enum class SourceFormat { kXmlPlist, kBinaryPlist, kCmsSigned, kJson, kYaml };
std::string_view source_format_name(SourceFormat format);

struct CompileOptions {
  // Fill missing PayloadVersion, PayloadIdentifier, PayloadUUID and the top-level PayloadType.
  // Validation turns this off to see the source as written.
  bool fill_identity = true;
  // Regenerate every PayloadUUID (payloads and profile) deterministically from the identifiers and
  // content, ignoring the UUIDs the source has.
  bool stable_uuids = false;
  // The name diagnostics use for the source; defaults to the path.
  std::string display_name;
  // A CMS-signed source whose signature or content digest does not check out (it was changed
  // after signing) is an error by default; with this it is read, with a warning that still says
  // INVALID (`--allow-invalid-signature`).
  bool allow_invalid_signature = false;
};

// A compiled profile: the model, the source it came from (so Value::offset() maps to
// file:line:col), and warnings (duplicate keys, a dropped signature, ...).
struct CompiledProfile {
  plist::Value profile;
  SourceFormat format = SourceFormat::kXmlPlist;
  bool templated = false;  // the source used template syntax
  std::shared_ptr<const SourceText> source;
  std::vector<Diagnostic> warnings;
};

// Compiles a source. Template errors and malformed input are ExitCode::kDataError with
// file:line:col diagnostics; unreadable files ExitCode::kIoError. A CMS-signed source is verified
// (signature and content digest against its own signer certificate; trust is `cmdm verify --ca`'s
// business) before its content is read: an invalid one is ExitCode::kDataError unless
// options.allow_invalid_signature. Either way the signature is dropped, with a warning.
Result<CompiledProfile> compile_file(const std::string& path, const Context& context,
                                     const CompileOptions& options = {});
Result<CompiledProfile> compile_bytes(std::string_view bytes, const std::string& name,
                                      const Context& context, const CompileOptions& options = {});

// A source argument as a list of files: a file stays itself; a directory lists its sources
// (*.mobileconfig, *.plist, *.json, *.yaml, *.yml; not recursive) sorted bytewise, so a set
// always compiles in the same order.
Result<std::vector<std::string>> expand_sources(const std::string& path);

// Fills identity in place (see CompileOptions::fill_identity and docs/templates.md "Identity").
// Errors when the profile has no PayloadIdentifier to derive from.
Status fill_identity(plist::Value& profile, bool stable_uuids, const SourceText* source = nullptr);

// Name-based UUID, version 5 (SHA-1, RFC 4122 §4.3), upper-case canonical text as Apple tools
// write UUIDs.
std::string uuid_v5(const std::array<std::uint8_t, 16>& name_space, std::string_view name);
// The fixed namespace of payload UUIDs: uuid5(DNS, "cmdm.compiler.payload-uuid") =
// B0A613AA-5387-58FF-B830-776FC7FA1976.
const std::array<std::uint8_t, 16>& payload_uuid_namespace();
// The UUID cmdm gives a payload (or the profile) with this identifier and content: v5 of
// "<identifier>\n<digest_hex(content without PayloadUUID)>" under payload_uuid_namespace().
std::string stable_payload_uuid(std::string_view identifier, const plist::Value& content);

// ---- Validation ----

struct ValidateOptions {
  // Target platform and version, as `--os macOS:14.0` gives them; the version may be empty.
  std::string os = "macOS";
  std::string os_version;
  // Accept PayloadUUIDs that are not 8-4-4-4-12 hex (the aggressive optimizer level writes short
  // ones); by default such a UUID is an error.
  bool allow_nonstandard_uuids = false;
  // For positions: the source the profile was read from (may be null).
  const SourceText* source = nullptr;
};

struct ValidationReport {
  std::vector<Diagnostic> diagnostics;  // errors and warnings, in profile order
  int errors = 0;
  int warnings = 0;
  bool ok() const { return errors == 0; }
};

// Parses "macOS:14.0", "iOS", "macOS" into options.os / options.os_version.
Status parse_os(std::string_view text, ValidateOptions& options);

// Checks a profile: structure (top-level type, required keys, UUID format, PayloadVersion,
// duplicate UUIDs and identifiers) always; with a schema also each payload's keys, types,
// rangelist, range, format, platform support and `multiple`. Never fails: problems are reported.
ValidationReport validate(const plist::Value& profile, const Schema* schema,
                          const ValidateOptions& options = {});

}  // namespace cmdm::compiler
