// Manifest JSON: written by a small streaming writer in a fixed key order (nlohmann's dump(2)
// layout, so the same build gives the same bytes), and read back with nlohmann and a type check on
// every field.
#include "emitters/manifest.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "plist/hash.h"

namespace cmdm::emitters {

namespace {

using ordered_json = nlohmann::ordered_json;

// A streaming JSON writer in nlohmann's dump(2) layout: the manifest of a 10,000-profile build
// is written without building a JSON tree first (the tree cost more memory than everything else).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k) {
    item();
    string_literal(k);
    out_ += ": ";
    after_key_ = true;
  }
  void value(std::string_view v) {
    item();
    string_literal(v);
  }
  void value(const char* v) { value(std::string_view(v)); }
  void value(const std::string& v) { value(std::string_view(v)); }
  void value(std::size_t v) {
    item();
    out_ += std::to_string(v);
  }
  void value(int v) {
    item();
    out_ += std::to_string(v);
  }
  void value(bool v) {
    item();
    out_ += v ? "true" : "false";
  }
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }
  void field(std::string_view k, const std::vector<std::string>& v) {
    key(k);
    begin_array();
    for (const std::string& s : v) value(s);
    end_array();
  }
  void field(std::string_view k, const std::vector<int>& v) {
    key(k);
    begin_array();
    for (int i : v) value(i);
    end_array();
  }

 private:
  // Called before every value or key: a comma and newline after a sibling, indentation.
  void item() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!counts_.empty()) {
      out_ += counts_.back()++ ? ",\n" : "\n";
      out_.append(2 * counts_.size(), ' ');
    }
  }
  void open(char c) {
    item();
    out_ += c;
    counts_.push_back(0);
  }
  void close(char c) {
    bool empty = counts_.back() == 0;
    counts_.pop_back();
    if (!empty) {
      out_ += '\n';
      out_.append(2 * counts_.size(), ' ');
    }
    out_ += c;
  }
  // JSON string with nlohmann's escapes; invalid UTF-8 becomes U+FFFD so the file stays valid.
  void string_literal(std::string_view s) {
    out_ += '"';
    std::size_t i = 0;
    while (i < s.size()) {
      // Paths, hashes and identifiers are plain ASCII: copy each run of it in one append.
      std::size_t run = i;
      while (run < s.size() && plain(static_cast<unsigned char>(s[run]))) ++run;
      if (run > i) {
        out_.append(s.substr(i, run - i));
        i = run;
        if (i == s.size()) break;
      }
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        switch (c) {
          case '"':
            out_ += "\\\"";
            break;
          case '\\':
            out_ += "\\\\";
            break;
          case '\b':
            out_ += "\\b";
            break;
          case '\f':
            out_ += "\\f";
            break;
          case '\n':
            out_ += "\\n";
            break;
          case '\r':
            out_ += "\\r";
            break;
          case '\t':
            out_ += "\\t";
            break;
          default:
            if (c < 0x20) {
              static constexpr char kHex[] = "0123456789abcdef";
              out_ += "\\u00";
              out_ += kHex[c >> 4];
              out_ += kHex[c & 0x0F];
            } else {
              out_ += static_cast<char>(c);
            }
        }
        ++i;
        continue;
      }
      std::size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out_ += "\xEF\xBF\xBD";
        ++i;
      } else {
        out_.append(s.substr(i, n));
        i += n;
      }
    }
    out_ += '"';
  }
  static bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }
  // Length of the well-formed UTF-8 sequence at s[i] (RFC 3629), 0 when ill-formed.
  static std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 > 0x8F)) {
      return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
    }
    return n;
  }

  std::string& out_;
  std::vector<std::size_t> counts_;  // items written so far in each open container
  bool after_key_ = false;
};

void write_request(JsonWriter& w, const Request& q) {
  w.begin_object();
  w.field("action", q.action);
  w.field("method", q.method);
  w.field("path", q.path);
  w.field("content_type", q.content_type);
  w.field("body", q.body);
  w.field("body_sha256", q.body_sha256);
  w.field("success", q.success);
  w.key("slots");
  w.begin_array();
  for (const RequestSlot& s : q.slots) {
    w.begin_object();
    w.field("name", s.name);
    w.field("where", s.where);
    w.field("placeholder", s.placeholder);
    w.field("fill", s.fill);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write_route(JsonWriter& w, const TargetRoute& r) {
  w.begin_object();
  w.field("target", r.target);
  w.field("route", route_name(r.route));
  if (!r.reason.empty()) w.field("reason", r.reason);
  w.field("size", r.size);
  w.field("limit", r.limit);
  w.field("install", r.install);
  w.field("install_sha256", r.install_sha256);
  w.field("remove", r.remove);
  w.field("remove_sha256", r.remove_sha256);
  w.key("requests");
  w.begin_array();
  for (const Request& q : r.requests) write_request(w, q);
  w.end_array();
  if (r.size_error) {
    w.key("size_error");
    w.begin_object();
    w.field("status", r.size_error->status);
    w.field("match", r.size_error->match);
    w.field("meaning", r.size_error->meaning);
    w.end_object();
  }
  w.end_object();
}

void write_part(JsonWriter& w, const Part& p) {
  w.begin_object();
  w.field("identifier", p.identifier);
  w.field("uuid", p.uuid);
  w.field("display_name", p.display_name);
  w.field("scope", scope_name(p.scope));
  w.field("order", p.order);
  w.field("digest", p.digest);
  w.field("profile", p.profile);
  w.field("bytes", p.bytes);
  w.field("sha256", p.sha256);
  w.field("encoding", format_name(p.encoding));
  w.field("signed", p.is_signed);
  w.field("payloads", p.payloads);
  w.field("payload_types", p.payload_types);
  w.key("routes");
  w.begin_array();
  for (const TargetRoute& r : p.routes) write_route(w, r);
  w.end_array();
  w.end_object();
}

void write_source(JsonWriter& w, const SourceEntry& s) {
  w.begin_object();
  w.field("path", s.path);
  w.field("sha256", s.sha256);
  w.field("bytes", s.bytes);
  w.field("identifier", s.identifier);
  w.field("uuid", s.uuid);
  w.field("display_name", s.display_name);
  w.field("signer", s.signer);
  w.field("policy", s.policy ? policy_name(*s.policy) : std::string_view());
  w.field("split", s.split);
  w.field("owns", s.owns);
  w.key("parts");
  w.begin_array();
  for (const Part& p : s.parts) write_part(w, p);
  w.end_array();
  w.end_object();
}

// Reading: each accessor checks the type and records the first error with its key path.
class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  const ordered_json* field(const ordered_json& obj, const std::string& path, const char* key,
                            bool required = true) {
    if (failed()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(path + key, "missing key");
      return nullptr;
    }
    return &*it;
  }
  std::string str(const ordered_json& obj, const std::string& path, const char* key,
                  bool required = true) {
    const ordered_json* v = field(obj, path, key, required);
    if (!v) return {};
    if (!v->is_string()) return fail(path + key, "expected a string"), std::string();
    return v->get<std::string>();
  }
  std::size_t size(const ordered_json& obj, const std::string& path, const char* key) {
    const ordered_json* v = field(obj, path, key);
    if (!v) return 0;
    if (!v->is_number_unsigned()) return fail(path + key, "expected a non-negative integer"), 0;
    return v->get<std::size_t>();
  }
  // An HTTP status: the one rule for `success` entries and `size_error.status`.
  int status(const ordered_json& v, const std::string& where) {
    if (!v.is_number_integer() || v.get<long long>() < 100 || v.get<long long>() > 599) {
      return fail(where, "expected an HTTP status (100 to 599)"), 0;
    }
    return v.get<int>();
  }
  int status(const ordered_json& obj, const std::string& path, const char* key) {
    const ordered_json* v = field(obj, path, key);
    return v ? status(*v, path + key) : 0;
  }
  // The manifest version being read: fields added in version 2 are required only there.
  int version = kManifestVersion;

  // A name from one of the vocabulary tables (emitters/vocabulary.h), parsed into its kind.
  template <typename T>
  T kind(const ordered_json& obj, const std::string& path, const char* key,
         Result<T> (*parse)(std::string_view), T fallback) {
    std::string name = str(obj, path, key);
    if (failed()) return fallback;
    Result<T> value = parse(name);
    if (!value) return fail(path + key, value.error().diagnostics[0].message), fallback;
    return *value;
  }
  bool boolean(const ordered_json& obj, const std::string& path, const char* key) {
    const ordered_json* v = field(obj, path, key);
    if (!v) return false;
    if (!v->is_boolean()) return fail(path + key, "expected true or false"), false;
    return v->get<bool>();
  }
  const ordered_json* array(const ordered_json& obj, const std::string& path, const char* key,
                            bool required = true) {
    const ordered_json* v = field(obj, path, key, required);
    if (!v) return nullptr;
    if (!v->is_array()) return fail(path + key, "expected an array"), nullptr;
    return v;
  }
  bool object(const ordered_json& v, const std::string& path) {
    if (failed()) return false;
    if (!v.is_object()) return fail(path, "expected an object"), false;
    return true;
  }
  void fail(const std::string& path, const std::string& message) {
    if (error_) return;
    Diagnostic d;
    d.file = file_;
    d.key_path = path;
    d.message = message;
    error_ = Error(ExitCode::kDataError, d);
  }
  bool failed() const { return error_.has_value(); }
  Error error() const { return *error_; }

 private:
  std::string file_;
  std::optional<Error> error_;
};

std::string at(const std::string& path, const char* key, std::size_t i) {
  return path + key + "[" + std::to_string(i) + "].";
}

}  // namespace

std::string_view scope_name(Scope scope) { return scope == Scope::kUser ? "User" : "System"; }

Result<Scope> parse_scope(std::string_view name) {
  if (name == "System") return Scope::kSystem;
  if (name == "User") return Scope::kUser;
  return Error::make(ExitCode::kDataError, "",
                     "unknown scope '" + std::string(name) + "' (System or User)");
}

void order_parts(Manifest& manifest, const std::vector<PartReferences>& references) {
  std::vector<Part*> parts;
  for (SourceEntry& s : manifest.sources) {
    for (Part& p : s.parts) parts.push_back(&p);
  }
  const std::size_t n = std::min(parts.size(), references.size());
  std::map<std::string, std::size_t> holder;  // PayloadUUID -> part index
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::string& uuid : references[i].holds) holder.emplace(uuid, i);
  }
  // Kahn's algorithm, always taking the lowest ready index, so the order is stable.
  std::vector<std::vector<std::size_t>> before(n);  // part -> parts that must wait for it
  std::vector<std::size_t> waiting(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    std::set<std::size_t> needs;
    for (const std::string& ref : references[i].refers_to) {
      auto it = holder.find(ref);
      if (it != holder.end() && it->second != i) needs.insert(it->second);
    }
    for (std::size_t k : needs) before[k].push_back(i);
    waiting[i] = needs.size();
  }
  std::set<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.insert(i);
  }
  std::size_t next = 0;
  std::vector<bool> placed(n, false);
  while (!ready.empty()) {
    std::size_t i = *ready.begin();
    ready.erase(ready.begin());
    parts[i]->order = next++;
    placed[i] = true;
    for (std::size_t k : before[i]) {
      if (--waiting[k] == 0) ready.insert(k);
    }
  }
  // A reference cycle has no right order: its parts follow in manifest order.
  for (std::size_t i = 0; i < n; ++i) {
    if (!placed[i]) parts[i]->order = next++;
  }
  for (std::size_t i = n; i < parts.size(); ++i) parts[i]->order = next++;
}

void list_files(Manifest& manifest, const std::vector<Artifact>& artifacts) {
  manifest.files.clear();
  for (const Artifact& a : artifacts) {
    if (a.path == "manifest.json" || a.path == kManifestSignatureName) continue;
    manifest.files.push_back(
        {a.path, a.bytes.size(), a.sha256.empty() ? plist::sha256_hex(a.bytes) : a.sha256});
  }
  std::sort(manifest.files.begin(), manifest.files.end(),
            [](const Manifest::File& a, const Manifest::File& b) { return a.path < b.path; });
}

std::string write_manifest(const Manifest& m) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("manifest_version", m.version);
  w.field("generator", m.generator);
  w.field("level", level_name(m.level));
  w.field("targets", m.targets);
  w.key("sources");
  w.begin_array();
  for (const SourceEntry& s : m.sources) write_source(w, s);
  w.end_array();
  w.key("files");
  w.begin_array();
  for (const Manifest::File& f : m.files) {
    w.begin_object();
    w.field("path", f.path);
    w.field("size", f.size);
    w.field("sha256", f.sha256);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out += '\n';
  return out;
}

namespace {

std::vector<std::string> read_strings(Reader& r, const ordered_json& obj, const std::string& path,
                                      const char* key, bool required = true) {
  std::vector<std::string> out;
  const ordered_json* array = r.array(obj, path, key, required);
  if (!array) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (!(*array)[i].is_string()) {
      r.fail(path + key + "[" + std::to_string(i) + "]", "expected a string");
      break;
    }
    out.push_back((*array)[i].get<std::string>());
  }
  return out;
}

// An array of objects under `key`, each read by `read_one` with its key path ("parts[2].").
template <typename T>
std::vector<T> read_objects(Reader& r, const ordered_json& obj, const std::string& path,
                            const char* key,
                            T (*read_one)(Reader&, const ordered_json&, const std::string&)) {
  std::vector<T> out;
  const ordered_json* array = r.array(obj, path, key);
  if (!array) return out;
  for (std::size_t i = 0; i < array->size() && !r.failed(); ++i) {
    std::string item = at(path, key, i);
    if (!r.object((*array)[i], item.substr(0, item.size() - 1))) break;
    out.push_back(read_one(r, (*array)[i], item));
  }
  return out;
}

std::vector<int> read_statuses(Reader& r, const ordered_json& obj, const std::string& path,
                               const char* key) {
  std::vector<int> out;
  const ordered_json* array = r.array(obj, path, key);
  if (!array) return out;
  for (std::size_t i = 0; i < array->size() && !r.failed(); ++i) {
    out.push_back(r.status((*array)[i], path + key + "[" + std::to_string(i) + "]"));
  }
  return out;
}

RequestSlot read_slot(Reader& r, const ordered_json& j, const std::string& path) {
  return {r.str(j, path, "name"), r.str(j, path, "where"), r.str(j, path, "placeholder"),
          r.str(j, path, "fill")};
}

Request read_request(Reader& r, const ordered_json& j, const std::string& path) {
  Request q;
  q.action = r.str(j, path, "action");
  q.method = r.str(j, path, "method");
  q.path = r.str(j, path, "path");
  q.content_type = r.str(j, path, "content_type");
  q.body = r.str(j, path, "body");
  q.body_sha256 = r.str(j, path, "body_sha256");
  q.success = read_statuses(r, j, path, "success");
  q.slots = read_objects(r, j, path, "slots", &read_slot);
  return q;
}

TargetRoute read_route(Reader& r, const ordered_json& j, const std::string& path) {
  TargetRoute route;
  route.target = r.str(j, path, "target");
  route.route = r.kind(j, path, "route", &parse_route, Route::kUndeliverable);
  route.reason = r.str(j, path, "reason", /*required=*/false);
  route.size = r.size(j, path, "size");
  route.limit = r.size(j, path, "limit");
  route.install = r.str(j, path, "install");
  route.install_sha256 = r.str(j, path, "install_sha256");
  route.remove = r.str(j, path, "remove");
  route.remove_sha256 = r.str(j, path, "remove_sha256");
  if (r.version >= 2) {
    route.requests = read_objects(r, j, path, "requests", &read_request);
    if (const ordered_json* e = r.field(j, path, "size_error", /*required=*/false);
        e && r.object(*e, path + "size_error")) {
      const std::string at = path + "size_error.";
      route.size_error = SizeErrorInfo{r.status(*e, at, "status"), r.str(*e, at, "match"),
                                       r.str(*e, at, "meaning")};
    }
  }
  return route;
}

Part read_part(Reader& r, const ordered_json& j, const std::string& path) {
  Part p;
  p.identifier = r.str(j, path, "identifier");
  p.uuid = r.str(j, path, "uuid");
  if (r.version >= 2) {
    p.display_name = r.str(j, path, "display_name");
    p.scope = r.kind(j, path, "scope", &parse_scope, Scope::kSystem);
    p.order = r.size(j, path, "order");
    p.digest = r.str(j, path, "digest");
  }
  p.profile = r.str(j, path, "profile");
  p.bytes = r.size(j, path, "bytes");
  p.sha256 = r.str(j, path, "sha256");
  p.encoding = r.kind(j, path, "encoding", &parse_format, Format::kXml);
  p.is_signed = r.boolean(j, path, "signed");
  p.payloads = read_strings(r, j, path, "payloads");
  // Optional: manifests written before payload types were recorded lack it.
  p.payload_types = read_strings(r, j, path, "payload_types", /*required=*/false);
  p.routes = read_objects(r, j, path, "routes", &read_route);
  if (r.version < 2) p.digest = p.sha256;  // version 1 recorded only the bytes as written
  return p;
}

SourceEntry read_source(Reader& r, const ordered_json& j, const std::string& path) {
  SourceEntry s;
  s.path = r.str(j, path, "path");
  s.sha256 = r.str(j, path, "sha256");
  s.bytes = r.size(j, path, "bytes");
  s.identifier = r.str(j, path, "identifier");
  s.uuid = r.str(j, path, "uuid");
  s.display_name = r.str(j, path, "display_name");
  s.signer = r.str(j, path, "signer");
  // "" when no signing identity was configured.
  if (const ordered_json* policy = r.field(j, path, "policy");
      policy && !(policy->is_string() && policy->get<std::string>().empty())) {
    s.policy = r.kind(j, path, "policy", &parse_signing_policy, SigningPolicy::kPreferSigned);
  }
  s.split = r.boolean(j, path, "split");
  if (r.version >= 2) s.owns = read_strings(r, j, path, "owns");
  s.parts = read_objects(r, j, path, "parts", &read_part);
  if (r.version < 2) {
    for (const Part& p : s.parts) s.owns.push_back(p.identifier);
  }
  return s;
}

Manifest::File read_file_entry(Reader& r, const ordered_json& j, const std::string& path) {
  Manifest::File f;
  f.path = r.str(j, path, "path");
  f.size = r.size(j, path, "size");
  f.sha256 = r.str(j, path, "sha256");
  return f;
}

void read_version(Reader& r, const ordered_json& j) {
  const ordered_json* version = r.field(j, "", "manifest_version");
  if (!version) return;
  if (!version->is_number_integer() || version->get<long long>() < kOldestManifestVersion ||
      version->get<long long>() > kManifestVersion) {
    r.fail("manifest_version", "unsupported manifest version " + version->dump() +
                                   " (this cmdm reads versions " +
                                   std::to_string(kOldestManifestVersion) + " to " +
                                   std::to_string(kManifestVersion) + ")");
    return;
  }
  r.version = version->get<int>();
}

// Version 1 had no install order: parts install in manifest order.
void number_parts(Manifest& m) {
  std::size_t n = 0;
  for (SourceEntry& s : m.sources) {
    for (Part& p : s.parts) p.order = n++;
  }
}

}  // namespace

Result<Manifest> read_manifest(std::string_view json, std::string_view file_name) {
  ordered_json j = ordered_json::parse(json, nullptr, false);
  if (j.is_discarded()) {
    return Error::make(ExitCode::kDataError, std::string(file_name), "not valid JSON");
  }
  Reader r(file_name);
  Manifest m;
  if (!r.object(j, "")) return r.error();
  read_version(r, j);
  m.generator = r.str(j, "", "generator");
  m.level = r.kind(j, "", "level", &parse_level, Level::kLossless);
  m.targets = read_strings(r, j, "", "targets");
  m.sources = read_objects(r, j, "", "sources", &read_source);
  m.files = read_objects(r, j, "", "files", &read_file_entry);
  if (r.failed()) return r.error();
  m.version = r.version;
  if (m.version < 2) number_parts(m);
  return m;
}

}  // namespace cmdm::emitters
