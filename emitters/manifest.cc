// Manifest JSON: written with keys in a fixed order (nlohmann ordered_json) so the same build
// gives the same bytes, and read back with a type check on every field.
#include "emitters/manifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

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
  void value(std::string_view v) { item(); string_literal(v); }
  void value(const char* v) { value(std::string_view(v)); }
  void value(const std::string& v) { value(std::string_view(v)); }
  void value(std::size_t v) { item(); out_ += std::to_string(v); }
  void value(int v) { item(); out_ += std::to_string(v); }
  void value(bool v) { item(); out_ += v ? "true" : "false"; }
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
          case '"': out_ += "\\\""; break;
          case '\\': out_ += "\\\\"; break;
          case '\b': out_ += "\\b"; break;
          case '\f': out_ += "\\f"; break;
          case '\n': out_ += "\\n"; break;
          case '\r': out_ += "\\r"; break;
          case '\t': out_ += "\\t"; break;
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

void write_route(JsonWriter& w, const Route& r) {
  w.begin_object();
  w.field("target", r.target);
  w.field("route", r.route);
  if (!r.reason.empty()) w.field("reason", r.reason);
  w.field("size", r.size);
  w.field("limit", r.limit);
  w.field("install", r.install);
  w.field("install_sha256", r.install_sha256);
  w.field("remove", r.remove);
  w.field("remove_sha256", r.remove_sha256);
  w.end_object();
}

void write_part(JsonWriter& w, const Part& p) {
  w.begin_object();
  w.field("identifier", p.identifier);
  w.field("uuid", p.uuid);
  w.field("profile", p.profile);
  w.field("bytes", p.bytes);
  w.field("sha256", p.sha256);
  w.field("encoding", p.encoding);
  w.field("signed", p.is_signed);
  w.field("payloads", p.payloads);
  w.field("payload_types", p.payload_types);
  w.key("routes");
  w.begin_array();
  for (const Route& r : p.routes) write_route(w, r);
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
  w.field("policy", s.policy);
  w.field("split", s.split);
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

void list_files(Manifest& manifest, const std::vector<Artifact>& artifacts) {
  manifest.files.clear();
  for (const Artifact& a : artifacts) {
    if (a.path == "manifest.json") continue;
    manifest.files.push_back({a.path, a.bytes.size(), a.sha256.empty() ? plist::sha256_hex(a.bytes) : a.sha256});
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
  w.field("level", m.level);
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

Result<Manifest> read_manifest(std::string_view json, std::string_view file_name) {
  ordered_json j = ordered_json::parse(json, nullptr, false);
  if (j.is_discarded()) {
    return Error::make(ExitCode::kDataError, std::string(file_name), "not valid JSON");
  }
  Reader r(file_name);
  Manifest m;
  if (!r.object(j, "")) return r.error();
  const ordered_json* version = r.field(j, "", "manifest_version");
  if (version && (!version->is_number_integer() || version->get<int>() != kManifestVersion)) {
    r.fail("manifest_version", "unsupported manifest version " + version->dump() +
                                   " (this cmdm reads version " +
                                   std::to_string(kManifestVersion) + ")");
  }
  m.generator = r.str(j, "", "generator");
  m.level = r.str(j, "", "level");
  if (const ordered_json* targets = r.array(j, "", "targets")) {
    for (std::size_t i = 0; i < targets->size() && !r.failed(); ++i) {
      if (!(*targets)[i].is_string()) {
        r.fail("targets[" + std::to_string(i) + "]", "expected a string");
      } else {
        m.targets.push_back((*targets)[i].get<std::string>());
      }
    }
  }
  if (const ordered_json* sources = r.array(j, "", "sources")) {
    for (std::size_t si = 0; si < sources->size() && !r.failed(); ++si) {
      const ordered_json& sj = (*sources)[si];
      std::string sp = at("", "sources", si);
      if (!r.object(sj, sp.substr(0, sp.size() - 1))) break;
      SourceEntry s;
      s.path = r.str(sj, sp, "path");
      s.sha256 = r.str(sj, sp, "sha256");
      s.bytes = r.size(sj, sp, "bytes");
      s.identifier = r.str(sj, sp, "identifier");
      s.uuid = r.str(sj, sp, "uuid");
      s.display_name = r.str(sj, sp, "display_name");
      s.signer = r.str(sj, sp, "signer");
      s.policy = r.str(sj, sp, "policy");
      s.split = r.boolean(sj, sp, "split");
      if (const ordered_json* parts = r.array(sj, sp, "parts")) {
        for (std::size_t pi = 0; pi < parts->size() && !r.failed(); ++pi) {
          const ordered_json& pj = (*parts)[pi];
          std::string pp = at(sp, "parts", pi);
          if (!r.object(pj, pp.substr(0, pp.size() - 1))) break;
          Part p;
          p.identifier = r.str(pj, pp, "identifier");
          p.uuid = r.str(pj, pp, "uuid");
          p.profile = r.str(pj, pp, "profile");
          p.bytes = r.size(pj, pp, "bytes");
          p.sha256 = r.str(pj, pp, "sha256");
          p.encoding = r.str(pj, pp, "encoding");
          p.is_signed = r.boolean(pj, pp, "signed");
          if (const ordered_json* payloads = r.array(pj, pp, "payloads")) {
            for (const auto& id : *payloads) {
              if (!id.is_string()) {
                r.fail(pp + "payloads", "expected strings");
                break;
              }
              p.payloads.push_back(id.get<std::string>());
            }
          }
          // Optional: manifests written before payload types were recorded lack it.
          if (const ordered_json* types = r.array(pj, pp, "payload_types", /*required=*/false)) {
            for (const auto& t : *types) {
              if (!t.is_string()) {
                r.fail(pp + "payload_types", "expected strings");
                break;
              }
              p.payload_types.push_back(t.get<std::string>());
            }
          }
          if (const ordered_json* routes = r.array(pj, pp, "routes")) {
            for (std::size_t ri = 0; ri < routes->size() && !r.failed(); ++ri) {
              const ordered_json& rj = (*routes)[ri];
              std::string rp = at(pp, "routes", ri);
              if (!r.object(rj, rp.substr(0, rp.size() - 1))) break;
              Route route;
              route.target = r.str(rj, rp, "target");
              route.route = r.str(rj, rp, "route");
              route.reason = r.str(rj, rp, "reason", /*required=*/false);
              route.size = r.size(rj, rp, "size");
              route.limit = r.size(rj, rp, "limit");
              route.install = r.str(rj, rp, "install");
              route.install_sha256 = r.str(rj, rp, "install_sha256");
              route.remove = r.str(rj, rp, "remove");
              route.remove_sha256 = r.str(rj, rp, "remove_sha256");
              if (!r.failed() && route.route != "mdm" && route.route != "local" &&
                  route.route != "undeliverable") {
                r.fail(rp + "route", "expected mdm, local or undeliverable");
              }
              p.routes.push_back(std::move(route));
            }
          }
          s.parts.push_back(std::move(p));
        }
      }
      m.sources.push_back(std::move(s));
    }
  }
  if (const ordered_json* files = r.array(j, "", "files")) {
    for (std::size_t fi = 0; fi < files->size() && !r.failed(); ++fi) {
      const ordered_json& fj = (*files)[fi];
      std::string fp = at("", "files", fi);
      if (!r.object(fj, fp.substr(0, fp.size() - 1))) break;
      Manifest::File f;
      f.path = r.str(fj, fp, "path");
      f.size = r.size(fj, fp, "size");
      f.sha256 = r.str(fj, fp, "sha256");
      m.files.push_back(std::move(f));
    }
  }
  if (r.failed()) return r.error();
  return m;
}

}  // namespace cmdm::emitters
