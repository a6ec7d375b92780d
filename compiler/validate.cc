// Validation: the structural rules every profile must meet, then, with Apple's schema, each
// payload's keys (types, rangelist, range, format, required, unknown) and platform support.
#include <regex>
#include <set>
#include <unordered_map>

#include "compiler/compiler.h"
#include "compiler/expr.h"
#include "plist/suggest.h"

namespace cmdm::compiler {

namespace {

// Keys every payload may carry; their values are checked by the structural rules.
const std::set<std::string, std::less<>>& common_payload_keys() {
  static const std::set<std::string, std::less<>> kKeys = {
      "PayloadIdentifier",  "PayloadUUID",        "PayloadType",         "PayloadVersion",
      "PayloadDescription", "PayloadDisplayName", "PayloadOrganization", "PayloadEnabled"};
  return kKeys;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

std::string show(const plist::Value& v) {
  std::string text;
  if (v.is_string()) return "'" + v.as_string() + "'";
  if (to_text(v, &text)) return text;
  return a_type(v.type());
}

bool type_matches(const std::string& schema_type, const plist::Value& v) {
  if (schema_type == "any" || schema_type.empty()) return true;
  if (schema_type == "string") return v.is_string();
  if (schema_type == "integer") return v.is_integer();
  if (schema_type == "real") return v.is_real() || v.is_integer();
  if (schema_type == "boolean") return v.is_bool();
  if (schema_type == "date") return v.is_date();
  if (schema_type == "data") return v.is_data();
  if (schema_type == "array") return v.is_array();
  if (schema_type == "dictionary") return v.is_dict();
  return true;
}

bool same_value(const plist::Value& a, const plist::Value& b) {
  if ((a.is_integer() || a.is_real()) && (b.is_integer() || b.is_real()) && a.type() != b.type()) {
    double x = a.is_real() ? a.as_real() : static_cast<double>(a.as_integer().as_int64());
    double y = b.is_real() ? b.as_real() : static_cast<double>(b.as_integer().as_int64());
    return x == y;
  }
  return a == b;
}

class Validator {
 public:
  Validator(const Schema* schema, const ValidateOptions& options)
      : schema_(schema), options_(options) {}

  ValidationReport run(const plist::Value& profile) {
    if (!profile.is_dict()) {
      error(profile, {},
            "the top level is " + a_type(profile.type()) +
                ", not a dict: not a configuration profile");
      return std::move(report_);
    }
    top(profile);
    return std::move(report_);
  }

 private:
  void add(Severity severity, const plist::Value& at, const plist::KeyPath& path,
           std::string message) {
    Diagnostic d;
    if (options_.source && at.offset() != plist::kNoOffset) {
      d = Diagnostic::at(*options_.source, at.offset(), std::move(message), severity);
    } else {
      d.severity = severity;
      if (options_.source) d.file = options_.source->name();
      d.message = std::move(message);
    }
    d.key_path = path.str();
    report_.diagnostics.push_back(std::move(d));
    (severity == Severity::kError ? report_.errors : report_.warnings)++;
  }
  void error(const plist::Value& at, const plist::KeyPath& path, std::string message) {
    add(Severity::kError, at, path, std::move(message));
  }
  void warning(const plist::Value& at, const plist::KeyPath& path, std::string message) {
    add(Severity::kWarning, at, path, std::move(message));
  }

  // PayloadIdentifier, PayloadUUID, PayloadType, PayloadVersion of the profile or a payload.
  void identity_keys(const plist::Value& dict, const plist::KeyPath& path, bool top) {
    const char* what = top ? "the profile" : "the payload";
    for (const char* key : {"PayloadIdentifier", "PayloadUUID", "PayloadType", "PayloadVersion"}) {
      const plist::Value* v = dict.get(key);
      if (!v) {
        error(dict, path.key(key), std::string(what) + " has no " + key);
        continue;
      }
      bool want_integer = std::string_view(key) == "PayloadVersion";
      if (want_integer ? !v->is_integer() : !v->is_string()) {
        error(*v, path.key(key),
              std::string(key) + " is " + a_type(v->type()) + "; it must be " +
                  (want_integer ? "an integer" : "a string"));
        continue;
      }
      if (want_integer) {
        if (!(v->as_integer() == plist::Integer(1))) {
          error(*v, path.key(key),
                "PayloadVersion is " + v->as_integer().to_string() + "; it must be 1");
        }
      } else if (v->as_string().empty()) {
        error(*v, path.key(key), std::string(key) + " is empty");
      }
    }
    if (const std::string* uuid = dict.get_string("PayloadUUID")) {
      const plist::Value& at = *dict.get("PayloadUUID");
      if (!uuid->empty() && !is_uuid(*uuid)) {
        if (options_.allow_nonstandard_uuids) {
          warning(at, path.key("PayloadUUID"), "PayloadUUID '" + *uuid + "' is not a UUID");
        } else {
          error(at, path.key("PayloadUUID"),
                "PayloadUUID '" + *uuid + "' is not a UUID (8-4-4-4-12 hexadecimal digits)");
        }
      }
      if (!uuid->empty()) {
        std::string upper = *uuid;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        auto [it, inserted] = uuids_.emplace(upper, path.key("PayloadUUID").str());
        if (!inserted) {
          error(at, path.key("PayloadUUID"),
                "duplicate PayloadUUID " + *uuid + " (also at " + it->second + ")");
        }
      }
    }
  }

  void top(const plist::Value& profile) {
    plist::KeyPath root;
    identity_keys(profile, root, true);
    if (const std::string* type = profile.get_string("PayloadType");
        type && *type != "Configuration") {
      error(*profile.get("PayloadType"), root.key("PayloadType"),
            "the profile's PayloadType is '" + *type + "'; it must be 'Configuration'");
    }
    const plist::Value* encrypted = profile.get("IsEncrypted");
    bool is_encrypted = encrypted && encrypted->is_bool() && encrypted->as_bool();
    const plist::Value* content = profile.get("PayloadContent");
    if (!content) {
      if (!is_encrypted)
        error(profile, root.key("PayloadContent"), "the profile has no PayloadContent");
    } else if (!content->is_array()) {
      error(*content, root.key("PayloadContent"),
            "PayloadContent is " + a_type(content->type()) +
                "; it must be an array of payload dicts");
    }
    // Other top-level keys against the schema's TopLevel.
    if (schema_) {
      if (const PayloadSchema* tl = schema_->top_level()) {
        for (const plist::DictEntry& e : profile.as_dict()) {
          if (e.key == "PayloadContent" || common_payload_keys().count(e.key)) continue;
          const SchemaKey* def = find_key(tl->keys, e.key);
          if (!def) {
            unknown_key(profile, root, e.key, tl->keys, "the profile's top level");
            continue;
          }
          value(e.value, *def, root.key(e.key), 0);
        }
      }
    }
    if (!content || !content->is_array()) return;
    std::map<std::string, std::string> identifiers;
    std::map<std::string, int> type_count;
    const plist::Array& payloads = content->as_array();
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      plist::KeyPath path = root.key("PayloadContent").index(i);
      const plist::Value& p = payloads[i];
      if (!p.is_dict()) {
        error(p, path, "a payload is a dict, not " + a_type(p.type()));
        continue;
      }
      identity_keys(p, path, false);
      if (const std::string* id = p.get_string("PayloadIdentifier"); id && !id->empty()) {
        auto [it, inserted] = identifiers.emplace(*id, path.key("PayloadIdentifier").str());
        if (!inserted) {
          error(*p.get("PayloadIdentifier"), path.key("PayloadIdentifier"),
                "duplicate PayloadIdentifier '" + *id + "' (also at " + it->second + ")");
        }
      }
      if (const std::string* type = p.get_string("PayloadType"); type && !type->empty()) {
        payload(p, *type, path, ++type_count[*type]);
      }
    }
  }

  void payload(const plist::Value& p, const std::string& type, const plist::KeyPath& path,
               int nth) {
    if (!schema_) return;
    const plist::Value& type_value = *p.get("PayloadType");
    const PayloadSchema* ps =
        type == "TopLevel" || type == "CommonPayloadKeys" ? nullptr : schema_->find(type);
    if (!ps) {
      unknown_type(p, type, path);
      return;
    }
    // Platform support.
    auto it = ps->support.find(options_.os);
    if (it != ps->support.end()) {
      const PlatformSupport& s = it->second;
      if (!s.available) {
        error(type_value, path.key("PayloadType"),
              type + " payloads are not supported on " + options_.os);
      } else if (!options_.os_version.empty()) {
        if (!s.introduced.empty() && is_version(s.introduced) &&
            compare_versions(options_.os_version, s.introduced) < 0) {
          error(type_value, path.key("PayloadType"),
                type + " needs " + options_.os + " " + s.introduced + " or later; the target is " +
                    options_.os + " " + options_.os_version);
        }
        if (!s.removed.empty() && is_version(s.removed) &&
            compare_versions(options_.os_version, s.removed) >= 0) {
          error(type_value, path.key("PayloadType"),
                type + " was removed in " + options_.os + " " + s.removed);
        }
      }
      if (s.has_multiple && !s.multiple && nth == 2) {
        error(p, path,
              "a profile may hold only one " + type + " payload on " + options_.os +
                  " (the schema says multiple: false)");
      }
    }
    // Keys.
    const SchemaKey* any = find_key(ps->keys, "ANY");
    for (const SchemaKey& k : ps->keys) {
      if (k.required && k.key != "ANY" && !p.as_dict().contains(k.key) && available(k)) {
        // Apple marks keys "required" that are required only in some configurations (TCC's
        // Allowed vs Authorization, the screen saver's moduleName); devices install without
        // them, so this is a warning.
        warning(p, path.key(k.key),
                type + " payload has no " + k.key + " (Apple's schema marks it required)");
      }
    }
    for (const plist::DictEntry& e : p.as_dict()) {
      if (common_payload_keys().count(e.key)) continue;
      const SchemaKey* def = find_key(ps->keys, e.key);
      if (!def) def = any;
      if (!def) {
        if (!ps->open) unknown_key(p, path, e.key, ps->keys, type);
        continue;
      }
      key_support(e.value, *def, path.key(e.key));
      value(e.value, *def, path.key(e.key), 0);
    }
  }

  bool available(const SchemaKey& k) const {
    auto it = k.support.find(options_.os);
    if (it == k.support.end()) return true;
    if (!it->second.available) return false;
    if (!options_.os_version.empty() && !it->second.introduced.empty() &&
        is_version(it->second.introduced) &&
        compare_versions(options_.os_version, it->second.introduced) < 0) {
      return false;
    }
    return true;
  }

  void key_support(const plist::Value& v, const SchemaKey& k, const plist::KeyPath& path) {
    auto it = k.support.find(options_.os);
    if (it == k.support.end()) return;
    if (!it->second.available) {
      warning(v, path, k.key + " has no effect on " + options_.os);
    } else if (!options_.os_version.empty() && !it->second.introduced.empty() &&
               is_version(it->second.introduced) &&
               compare_versions(options_.os_version, it->second.introduced) < 0) {
      warning(v, path,
              k.key + " needs " + options_.os + " " + it->second.introduced +
                  " or later; the target is " + options_.os + " " + options_.os_version);
    }
  }

  void unknown_type(const plist::Value& p, const std::string& type, const plist::KeyPath& path) {
    const plist::Value& at = *p.get("PayloadType");
    std::vector<std::string> close = closest_matches(type, schema_->payload_types(), 1);
    std::string hint = close.empty() ? "" : "; did you mean '" + close[0] + "'?";
    bool sets_something = false;
    for (const plist::DictEntry& e : p.as_dict()) {
      sets_something = sets_something || !common_payload_keys().count(e.key);
    }
    if (options_.os != "macOS") {
      error(at, path.key("PayloadType"), "unknown PayloadType '" + type + "'" + hint);
    } else if (!sets_something) {
      // macOS applies an unknown type as the preferences of that domain; with no keys it does
      // nothing, which is almost always a misspelt type.
      error(at, path.key("PayloadType"),
            "unknown PayloadType '" + type +
                "' (not in Apple's schema, and as a custom-settings "
                "domain it sets nothing)" +
                hint);
    } else if (!close.empty()) {
      warning(at, path.key("PayloadType"),
              "PayloadType '" + type +
                  "' is not in Apple's schema; macOS applies it as the "
                  "preferences of that domain" +
                  hint);
    }
  }

  void unknown_key(const plist::Value& dict, const plist::KeyPath& path, const std::string& key,
                   const SchemaKeyList& keys, const std::string& where) {
    std::vector<std::string> names;
    for (const SchemaKey& k : keys) names.push_back(k.key);
    std::vector<std::string> close = closest_matches(key, names, 1);
    std::string message = "unknown key '" + key + "' for " + where;
    if (!close.empty()) message += "; did you mean '" + close[0] + "'?";
    const plist::Value* v = dict.get(key);
    warning(v ? *v : dict, path.key(key), message);
  }

  static const SchemaKey* find_key(const SchemaKeyList& keys, std::string_view name) {
    for (const SchemaKey& k : keys) {
      if (k.key == name) return &k;
    }
    return nullptr;
  }

  const std::regex* regex_for(const std::string& pattern) {
    auto it = regexes_.find(pattern);
    if (it != regexes_.end()) return it->second.get();
    std::unique_ptr<std::regex> re;
    try {
      re = std::make_unique<std::regex>(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      re = nullptr;  // a pattern std::regex cannot read is skipped, not reported against the user
    }
    const std::regex* p = re.get();
    regexes_.emplace(pattern, std::move(re));
    return p;
  }

  void scalar_rules(const plist::Value& v, const SchemaKey& def, const plist::KeyPath& path) {
    if (!def.rangelist.empty() && !v.is_array() && !v.is_dict()) {
      bool found = false;
      for (const plist::Value& allowed : def.rangelist) found = found || same_value(v, allowed);
      if (!found) {
        std::string list;
        for (std::size_t i = 0; i < def.rangelist.size() && i < 12; ++i) {
          list += (i ? ", " : "") + show(def.rangelist[i]);
        }
        if (def.rangelist.size() > 12) list += ", ...";
        error(v, path, show(v) + " is not an allowed value (" + list + ")");
      }
    }
    if ((def.min || def.max) && (v.is_integer() || v.is_real())) {
      double x = v.is_real() ? v.as_real() : static_cast<double>(v.as_integer().as_int64());
      if ((def.min && x < *def.min) || (def.max && x > *def.max)) {
        plist::Value lo(def.min ? *def.min : 0.0), hi(def.max ? *def.max : 0.0);
        std::string range = (def.min ? show(lo) : std::string("-inf")) + ".." +
                            (def.max ? show(hi) : std::string("inf"));
        error(v, path, show(v) + " is outside the allowed range " + range);
      }
    }
    if (!def.format.empty() && v.is_string()) {
      if (const std::regex* re = regex_for(def.format)) {
        if (!std::regex_search(v.as_string(), *re)) {
          error(v, path, show(v) + " does not match the required format " + def.format);
        }
      }
    }
  }

  void value(const plist::Value& v, const SchemaKey& def, const plist::KeyPath& path, int depth) {
    if (depth > 48) return;
    if (def.type == "boolean" && v.is_integer() &&
        (v.as_integer() == plist::Integer(0) || v.as_integer() == plist::Integer(1))) {
      // CFPreferences reads 0 and 1 as booleans, and shipped profiles rely on it.
      warning(v, path,
              (def.key == "ANY" ? path.str() : def.key) + " is the integer " +
                  v.as_integer().to_string() + "; the schema says boolean (<" +
                  (v.as_integer() == plist::Integer(1) ? "true" : "false") + "/>)");
      return;
    }
    if (!type_matches(def.type, v)) {
      error(v, path,
            (path.empty()       ? std::string("value")
             : def.key == "ANY" ? path.str()
                                : def.key) +
                " is " + a_type(v.type()) + "; the schema says " + def.type);
      return;
    }
    if (v.is_array()) {
      const SchemaKey* item = def.subkeys && !def.subkeys->empty() ? &(*def.subkeys)[0] : nullptr;
      const plist::Array& a = v.as_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!def.rangelist.empty()) scalar_rules(a[i], def, path.index(i));
        if (item) value(a[i], *item, path.index(i), depth + 1);
      }
      return;
    }
    if (v.is_dict()) {
      if (!def.subkeys || def.subkeys->empty()) return;
      const SchemaKeyList* list = def.subkeys;
      // Apple describes some open dictionaries through one "...Item" entry whose own subkeys are
      // the dictionary's keys (ConsentText → ConsentTextItem → ANY).
      if (list->size() == 1 && (*list)[0].type == "dictionary" && (*list)[0].subkeys &&
          (*list)[0].key.size() > 4 &&
          (*list)[0].key.compare((*list)[0].key.size() - 4, 4, "Item") == 0 &&
          !v.as_dict().contains((*list)[0].key)) {
        list = (*list)[0].subkeys;
      }
      const SchemaKeyList& keys = *list;
      const SchemaKey* any = find_key(keys, "ANY");
      for (const SchemaKey& k : keys) {
        if (k.required && k.key != "ANY" && !v.as_dict().contains(k.key) && available(k)) {
          warning(v, path.key(k.key), "no " + k.key + " (Apple's schema marks it required)");
        }
      }
      for (const plist::DictEntry& e : v.as_dict()) {
        const SchemaKey* sub = find_key(keys, e.key);
        if (!sub) sub = any;
        if (!sub) {
          unknown_key(v, path, e.key, keys, path.str());
          continue;
        }
        value(e.value, *sub, path.key(e.key), depth + 1);
      }
      return;
    }
    scalar_rules(v, def, path);
  }

  const Schema* schema_;
  const ValidateOptions& options_;
  ValidationReport report_;
  std::map<std::string, std::string> uuids_;
  std::unordered_map<std::string, std::unique_ptr<std::regex>> regexes_;
};

}  // namespace

Status parse_os(std::string_view text, ValidateOptions& options) {
  std::size_t colon = text.find(':');
  std::string os(text.substr(0, colon));
  std::string version = colon == std::string_view::npos ? "" : std::string(text.substr(colon + 1));
  static const std::vector<std::string> kPlatforms = {"macOS", "iOS", "tvOS", "visionOS",
                                                      "watchOS"};
  bool known = false;
  for (const std::string& p : kPlatforms) {
    if (p.size() == os.size() && std::equal(p.begin(), p.end(), os.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      os = p;
      known = true;
    }
  }
  if (!known) {
    return Error::make(ExitCode::kUsage, "",
                       "--os: unknown platform '" + os + "' (macOS, iOS, tvOS, visionOS, watchOS)");
  }
  if (!version.empty() && !is_version(version)) {
    return Error::make(ExitCode::kUsage, "", "--os: '" + version + "' is not a version like 14.0");
  }
  options.os = os;
  options.os_version = version;
  return Ok{};
}

ValidationReport validate(const plist::Value& profile, const Schema* schema,
                          const ValidateOptions& options) {
  Validator v(schema, options);
  return v.run(profile);
}

}  // namespace cmdm::compiler
