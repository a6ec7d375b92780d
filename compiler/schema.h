// Apple's profile schema (apple/device-management, mdm/profiles/*.yaml) as a lookup table of
// payload types and their keys. Files load lazily, one payload type at a time, and stay cached.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/value.h"

namespace cmdm::compiler {

struct SchemaKey;
using SchemaKeyList = std::vector<SchemaKey>;

// Where a payload or key is available on one platform ("introduced: n/a" = not available).
struct PlatformSupport {
  bool listed = false;     // the platform appears in supportedOS
  bool available = true;   // false for "introduced: n/a"
  std::string introduced;  // "10.13"; empty when not stated
  std::string removed;
  bool multiple = true;  // more than one payload of this type may be installed in a profile
  bool has_multiple = false;
  bool manual_install = true;  // false: `allowmanualinstall: false`, only an MDM may install it
};

// One key of a payload (or of a nested dictionary). `key` is "ANY" for open dictionaries.
struct SchemaKey {
  std::string key;
  std::string type;  // "string", "integer", "real", "boolean", "date", "data", "array",
                     // "dictionary", "any"
  bool required = false;
  std::vector<plist::Value> rangelist;  // allowed values, typed as `type` says
  std::optional<double> min, max;
  std::string format;  // a regular expression (ECMAScript), empty when none
  // Nested keys: for a dictionary its keys; for an array, one entry describing each element.
  // Shared and possibly cyclic (YAML anchors); owned by the Schema.
  const SchemaKeyList* subkeys = nullptr;
  std::map<std::string, PlatformSupport> support;  // by platform name ("macOS")
  std::string content;                             // the schema's description of the key
};

struct PayloadSchema {
  std::string payload_type;
  std::string file;  // the YAML file it came from
  SchemaKeyList keys;
  std::map<std::string, PlatformSupport> support;
  // True when the payload takes keys the schema cannot list (a key named ANY at the top level,
  // custom settings): unknown keys are not reported.
  bool open = false;
};

// A loaded schema directory. Thread-safe; payload files are parsed on first use.
class Schema {
 public:
  // Opens DIR (the checkout root holding mdm/profiles, or the profiles directory itself) and lists
  // its payload types (a cheap scan of each file's `payloadtype:` line).
  static Result<std::shared_ptr<Schema>> open(const std::string& dir);

  ~Schema();
  // The payload type's schema, or null when the type is unknown or its file cannot be parsed
  // (the parse problem is kept in load_errors()).
  const PayloadSchema* find(std::string_view payload_type) const;
  // The common payload keys (PayloadIdentifier, PayloadUUID, ...) and the top level.
  const PayloadSchema* common() const { return find("CommonPayloadKeys"); }
  const PayloadSchema* top_level() const { return find("TopLevel"); }
  std::vector<std::string> payload_types() const;
  std::vector<Diagnostic> load_errors() const;
  // Parses every file now (benchmarks, tests); returns the number of payload types loaded.
  std::size_t load_all() const;

  struct Impl;

 private:
  explicit Schema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses one schema YAML document (exposed for tests). Aliases that refer to themselves become
// cycles in the key graph instead of being expanded forever.
Result<std::unique_ptr<PayloadSchema>> parse_schema_yaml(
    std::string_view text, const std::string& file_name,
    std::vector<std::unique_ptr<SchemaKeyList>>& arena);

}  // namespace cmdm::compiler
