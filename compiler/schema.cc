// Loads Apple's device-management schema (YAML) into PayloadSchema tables, lazily per payload
// type. YAML anchors are shared, and an alias inside its own anchor becomes a cycle in the key
// graph (com.apple.homescreenlayout's folders hold pages of icons that hold folders...).
#include "compiler/schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/template.h"
#include "plist/file_io.h"

namespace cmdm::compiler {

namespace {

std::string scalar_or(const YAML::Node& n, const char* key, const std::string& fallback = "") {
  const YAML::Node v = n[key];
  if (v && v.IsScalar()) return v.Scalar();
  return fallback;
}

std::map<std::string, PlatformSupport> read_support(const YAML::Node& n) {
  std::map<std::string, PlatformSupport> out;
  if (!n || !n.IsMap()) return out;
  for (const auto& kv : n) {
    if (!kv.first.IsScalar() || !kv.second.IsMap()) continue;
    PlatformSupport s;
    s.listed = true;
    s.introduced = scalar_or(kv.second, "introduced");
    s.removed = scalar_or(kv.second, "removed");
    if (s.introduced == "n/a") {
      s.available = false;
      s.introduced.clear();
    }
    std::string multiple = scalar_or(kv.second, "multiple");
    if (!multiple.empty()) {
      s.has_multiple = true;
      s.multiple = multiple == "true";
    }
    s.manual_install = scalar_or(kv.second, "allowmanualinstall") != "false";
    out[kv.first.Scalar()] = s;
  }
  return out;
}

// Converts a YAML scalar in a rangelist to the key's type; text that does not parse stays text.
plist::Value typed_scalar(const std::string& type, const std::string& text) {
  plist::Type as = type == "integer"   ? plist::Type::kInteger
                   : type == "real"    ? plist::Type::kReal
                   : type == "boolean" ? plist::Type::kBoolean
                                       : plist::Type::kString;
  plist::Parsed<plist::Value> v = parse_typed_text(as, text);
  return v ? std::move(v).value() : plist::Value(text);
}

class Converter {
 public:
  explicit Converter(std::vector<std::unique_ptr<SchemaKeyList>>& arena) : arena_(arena) {}

  const SchemaKeyList* keys_of(const YAML::Node& seq, int depth) {
    if (!seq || !seq.IsSequence()) return nullptr;
    for (const auto& [node, list] : seen_) {
      if (node.is(seq)) return list;  // an alias (possibly of a list still being built)
    }
    if (depth > 64) return nullptr;
    arena_.push_back(std::make_unique<SchemaKeyList>());
    SchemaKeyList* list = arena_.back().get();
    seen_.emplace_back(seq, list);
    for (const YAML::Node& item : seq) {
      if (!item.IsMap()) continue;
      list->push_back(key_of(item, depth));
    }
    return list;
  }

  SchemaKey key_of(const YAML::Node& n, int depth) {
    SchemaKey k;
    k.key = scalar_or(n, "key");
    std::string type = scalar_or(n, "type", "<any>");
    if (type.size() > 2 && type.front() == '<' && type.back() == '>') {
      type = type.substr(1, type.size() - 2);
    }
    k.type = type;
    k.required = scalar_or(n, "presence") == "required";
    k.format = scalar_or(n, "format");
    if (const YAML::Node range = n["range"]; range && range.IsMap()) {
      std::string min = scalar_or(range, "min"), max = scalar_or(range, "max");
      if (!min.empty()) k.min = std::strtod(min.c_str(), nullptr);
      if (!max.empty()) k.max = std::strtod(max.c_str(), nullptr);
    }
    k.subkeys = keys_of(n["subkeys"], depth + 1);
    std::string element_type = type;
    if (type == "array" && k.subkeys && !k.subkeys->empty()) element_type = (*k.subkeys)[0].type;
    if (const YAML::Node list = n["rangelist"]; list && list.IsSequence()) {
      for (const YAML::Node& v : list) {
        if (v.IsScalar()) k.rangelist.push_back(typed_scalar(element_type, v.Scalar()));
      }
    }
    k.support = read_support(n["supportedOS"]);
    k.content = scalar_or(n, "content");
    return k;
  }

 private:
  std::vector<std::unique_ptr<SchemaKeyList>>& arena_;
  std::vector<std::pair<YAML::Node, const SchemaKeyList*>> seen_;
};

// The payload type a schema file declares, from its `payload:` block, without parsing YAML.
std::string scan_payload_type(const std::string& text) {
  std::size_t at = text.find("\n  payloadtype:");
  if (at == std::string::npos) return "";
  at += 15;
  std::size_t end = text.find('\n', at);
  std::string v = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
  v.erase(0, v.find_first_not_of(" '\""));
  while (!v.empty() &&
         (v.back() == ' ' || v.back() == '\'' || v.back() == '"' || v.back() == '\r')) {
    v.pop_back();
  }
  return v;
}

}  // namespace

Result<std::unique_ptr<PayloadSchema>> parse_schema_yaml(
    std::string_view text, const std::string& file_name,
    std::vector<std::unique_ptr<SchemaKeyList>>& arena) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.file = file_name;
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
    d.message = "malformed schema YAML: " + e.msg;
    return Error(ExitCode::kDataError, std::move(d));
  }
  if (!doc.IsMap()) return Error::make(ExitCode::kDataError, file_name, "not a schema document");
  auto out = std::make_unique<PayloadSchema>();
  out->file = file_name;
  const YAML::Node payload = doc["payload"];
  if (payload && payload.IsMap()) {
    out->payload_type = scalar_or(payload, "payloadtype");
    out->support = read_support(payload["supportedOS"]);
  }
  Converter c(arena);
  if (const SchemaKeyList* keys = c.keys_of(doc["payloadkeys"], 0)) out->keys = *keys;
  for (const SchemaKey& k : out->keys) out->open = out->open || k.key == "ANY";
  return out;
}

struct Schema::Impl {
  std::string dir;
  std::map<std::string, std::vector<std::string>, std::less<>> files;  // payload type → files
  mutable std::mutex mutex;
  mutable std::map<std::string, std::unique_ptr<PayloadSchema>, std::less<>> loaded;
  mutable std::vector<std::unique_ptr<SchemaKeyList>> arena;
  mutable std::vector<Diagnostic> errors;

  const PayloadSchema* load_locked(std::string_view type) const {
    if (auto it = loaded.find(type); it != loaded.end()) return it->second.get();
    auto f = files.find(type);
    if (f == files.end()) return nullptr;
    // Several files may describe one type (com.apple.MCX has one per preference area): their keys
    // are merged, and a key one variant requires is optional in the union.
    std::unique_ptr<PayloadSchema> schema;
    for (const std::string& path : f->second) {
      Result<std::string> text = read_file(path);
      if (!text) {
        errors.insert(errors.end(), text.error().diagnostics.begin(),
                      text.error().diagnostics.end());
        continue;
      }
      Result<std::unique_ptr<PayloadSchema>> parsed = parse_schema_yaml(*text, path, arena);
      if (!parsed) {
        errors.insert(errors.end(), parsed.error().diagnostics.begin(),
                      parsed.error().diagnostics.end());
        continue;
      }
      if (!schema) {
        schema = std::move(*parsed);
        continue;
      }
      for (SchemaKey& k : schema->keys) k.required = false;
      for (SchemaKey& k : (*parsed)->keys) {
        bool present = false;
        for (const SchemaKey& existing : schema->keys) present = present || existing.key == k.key;
        if (present) continue;
        k.required = false;
        schema->keys.push_back(std::move(k));
      }
      schema->open = schema->open || (*parsed)->open;
      // Likewise a platform that allows several payloads of the type in one variant allows it.
      for (const auto& [platform, support] : (*parsed)->support) {
        auto [it, added] = schema->support.emplace(platform, support);
        if (added || !support.has_multiple) continue;
        it->second.multiple =
            it->second.has_multiple ? it->second.multiple || support.multiple : support.multiple;
        it->second.has_multiple = true;
      }
    }
    const PayloadSchema* p = schema.get();
    loaded.emplace(std::string(type), std::move(schema));
    return p;
  }
};

Schema::Schema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Schema::~Schema() = default;

Result<std::shared_ptr<Schema>> Schema::open(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root(dir);
  if (fs::is_directory(root / "mdm" / "profiles", ec)) root = root / "mdm" / "profiles";
  if (!fs::is_directory(root, ec)) {
    return Error::make(ExitCode::kIoError, dir, "schema directory not found");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = root.string();
  std::vector<fs::path> paths;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml") paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& p : paths) {
    // Only the head is needed for the payload type; reading whole files is still cheap.
    std::ifstream in(p);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    std::string type = scan_payload_type(head);
    if (!type.empty()) impl->files[type].push_back(p.string());
  }
  if (impl->files.empty()) {
    return Error::make(ExitCode::kDataError, dir,
                       "no schema files (mdm/profiles/*.yaml with a payloadtype) found");
  }
  return std::shared_ptr<Schema>(new Schema(std::move(impl)));
}

const PayloadSchema* Schema::find(std::string_view payload_type) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->load_locked(payload_type);
}

std::vector<std::string> Schema::payload_types() const {
  std::vector<std::string> out;
  for (const auto& [type, files] : impl_->files) out.push_back(type);
  return out;
}

std::vector<Diagnostic> Schema::load_errors() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->errors;
}

std::size_t Schema::load_all() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::size_t n = 0;
  for (const auto& [type, files] : impl_->files) n += impl_->load_locked(type) != nullptr;
  return n;
}

}  // namespace cmdm::compiler
