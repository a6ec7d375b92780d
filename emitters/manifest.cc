// Manifest JSON: written with keys in a fixed order (nlohmann ordered_json) so the same build
// gives the same bytes, and read back with a type check on every field.
#include "emitters/manifest.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace cmdm::emitters {

namespace {

using ordered_json = nlohmann::ordered_json;

std::string dump(const ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

ordered_json route_json(const Route& r) {
  ordered_json j;
  j["target"] = r.target;
  j["route"] = r.route;
  if (!r.reason.empty()) j["reason"] = r.reason;
  j["size"] = r.size;
  j["limit"] = r.limit;
  j["install"] = r.install;
  j["install_sha256"] = r.install_sha256;
  j["remove"] = r.remove;
  j["remove_sha256"] = r.remove_sha256;
  return j;
}

ordered_json part_json(const Part& p) {
  ordered_json j;
  j["identifier"] = p.identifier;
  j["uuid"] = p.uuid;
  j["profile"] = p.profile;
  j["bytes"] = p.bytes;
  j["sha256"] = p.sha256;
  j["encoding"] = p.encoding;
  j["signed"] = p.is_signed;
  j["payloads"] = p.payloads;
  ordered_json routes = ordered_json::array();
  for (const Route& r : p.routes) routes.push_back(route_json(r));
  j["routes"] = routes;
  return j;
}

ordered_json source_json(const SourceEntry& s) {
  ordered_json j;
  j["path"] = s.path;
  j["sha256"] = s.sha256;
  j["bytes"] = s.bytes;
  j["identifier"] = s.identifier;
  j["uuid"] = s.uuid;
  j["display_name"] = s.display_name;
  j["signer"] = s.signer;
  j["policy"] = s.policy;
  j["split"] = s.split;
  ordered_json parts = ordered_json::array();
  for (const Part& p : s.parts) parts.push_back(part_json(p));
  j["parts"] = parts;
  return j;
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
  const ordered_json* array(const ordered_json& obj, const std::string& path, const char* key) {
    const ordered_json* v = field(obj, path, key);
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

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0x0F];
  }
  return out;
}

void list_files(Manifest& manifest, const std::vector<Artifact>& artifacts) {
  manifest.files.clear();
  for (const Artifact& a : artifacts) {
    if (a.path == "manifest.json") continue;
    manifest.files.push_back({a.path, a.bytes.size(), sha256_hex(a.bytes)});
  }
  std::sort(manifest.files.begin(), manifest.files.end(),
            [](const Manifest::File& a, const Manifest::File& b) { return a.path < b.path; });
}

std::string write_manifest(const Manifest& m) {
  ordered_json j;
  j["manifest_version"] = m.version;
  j["generator"] = m.generator;
  j["level"] = m.level;
  j["targets"] = m.targets;
  ordered_json sources = ordered_json::array();
  for (const SourceEntry& s : m.sources) sources.push_back(source_json(s));
  j["sources"] = sources;
  ordered_json files = ordered_json::array();
  for (const Manifest::File& f : m.files) {
    ordered_json fj;
    fj["path"] = f.path;
    fj["size"] = f.size;
    fj["sha256"] = f.sha256;
    files.push_back(fj);
  }
  j["files"] = files;
  return dump(j);
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
