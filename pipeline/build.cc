// The build pipeline: each source is compiled (templates, identity), optimized for the strictest
// target, split into parts when it does not fit that target, each part signed when the policy says
// so, measured against every target, routed (pipeline/routing.h) and emitted as profile, command
// bodies and manifest entries. Sources are independent until the last step, so they are processed
// on `jobs` threads and gathered in source order: the output does not depend on `jobs`.
#include "pipeline/build.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "emitters/bundle.h"
#include "optimizer/optimizer.h"
#include "optimizer/splitter.h"
#include "pipeline/routing.h"
#include "pipeline/trust.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::pipeline {

namespace {

using emitters::Route;

// A profile ready to emit: its final bytes and what the manifest says about it.
struct ReadyPart {
  std::string identifier;
  std::string uuid;
  std::string bytes;
  emitters::Format format = emitters::Format::kXml;
  bool is_signed = false;
  std::vector<std::string> payloads;       // PayloadIdentifiers, in the part's order
  std::vector<std::string> payload_types;  // their PayloadTypes, same order
  std::string signing_note;         // why the policy sent it unsigned, when an identity was given
  std::string signing_note_target;  // the target whose limit the policy weighed
  std::string mdm_only;  // a payload type macOS installs only through an MDM (never `local`)
  std::string display_name;
  emitters::Scope scope = emitters::Scope::kSystem;
  std::string digest;                   // SHA-256 of the unsigned bytes
  emitters::PartReferences references;  // for the install order
  std::vector<std::string> refusals;    // per target (options.targets order): why it refuses
};

// What one source became, before it joins the build: its manifest entry and artifacts, or the
// diagnostics that kept it out.
struct SourceResult {
  std::optional<emitters::SourceEntry> entry;
  std::vector<emitters::PartReferences> references;  // per part of entry
  std::vector<emitters::Artifact> artifacts;
  std::vector<Diagnostic> warnings;
  std::vector<Diagnostic> errors;
  ExitCode error_code = ExitCode::kOk;
};

std::string string_or(const plist::Value& dict, const char* key) {
  const std::string* s = dict.get_string(key);
  return s ? *s : std::string();
}

std::size_t limit_of(const emitters::Target& t, const BuildOptions& options) {
  return optimizer::effective_limit(t, options.limit);
}

// The target whose limit binds: the smallest limit among MDM targets; the first target otherwise.
const emitters::Target& strictest_target(const BuildOptions& options) {
  const emitters::Target* best = options.targets.front();
  for (const emitters::Target* t : options.targets) {
    if (!t->is_mdm || limit_of(*t, options) == 0) continue;
    if (limit_of(*best, options) == 0 || !best->is_mdm ||
        limit_of(*t, options) < limit_of(*best, options)) {
      best = t;
    }
  }
  return *best;
}

// Stage 4 (sign): applies the signing policy to one part, from its measured sizes against the
// strictest target: signed when the signed part fits, else unsigned when that fits (prefer-signed);
// a part that fits in neither form keeps the signature unless the policy is `unsigned`, and is
// routed local or undeliverable by the routing rule.
Status sign_part(ReadyPart& part, const emitters::Target& strictest, const BuildOptions& options) {
  signer::SignOptions so;
  so.signing_time = options.signing_time;
  std::optional<std::string> signed_bytes;
  std::optional<Error> sign_error;
  auto measure = [&](bool is_signed) -> std::optional<std::size_t> {
    if (!is_signed) return strictest.command_size(part.bytes);
    if (!signed_bytes) {
      Result<std::string> cms = signer::sign(part.bytes, *options.identity, so);
      if (!cms) {
        sign_error = cms.error();
        return std::nullopt;
      }
      signed_bytes = std::move(*cms);
    }
    return strictest.command_size(*signed_bytes);
  };
  std::optional<std::size_t> limit;
  if (strictest.is_mdm && limit_of(strictest, options)) limit = limit_of(strictest, options);
  PolicyDecision decision = decide(options.policy, measure, limit);
  if (sign_error) return *sign_error;
  bool want_signed =
      decision.delivery == Delivery::kSigned ||
      (decision.delivery == Delivery::kSplit && options.policy != SigningPolicy::kUnsigned);
  if (want_signed) {
    if (!signed_bytes) measure(true);
    if (sign_error) return *sign_error;
    part.bytes = std::move(*signed_bytes);
    part.is_signed = true;
  } else {
    part.signing_note = decision.reason;
    part.signing_note_target = std::string(strictest.name);
  }
  return Ok{};
}

// Keys ending in "UUID" (other than PayloadUUID) name another payload: their string values, at any
// depth, are what a part refers to.
void collect_references(const plist::Value& v, std::vector<std::string>& out, bool named = false) {
  if (v.is_string()) {
    if (named) out.push_back(v.as_string());
  } else if (v.is_array()) {
    for (const plist::Value& item : v.as_array()) collect_references(item, out, named);
  } else if (v.is_dict()) {
    for (const plist::DictEntry& e : v.as_dict()) {
      collect_references(e.value, out, e.key.ends_with("UUID") && e.key != "PayloadUUID");
    }
  }
}

// What the manifest and the vendors' rules need to know about a part, from its profile as built:
// display name, scope, the payloads it holds and refers to, and each target's refusal.
void describe_part(const plist::Value& profile, const BuildOptions& options, ReadyPart& part) {
  part.display_name = string_or(profile, "PayloadDisplayName");
  part.scope = string_or(profile, "PayloadScope") == "User" ? emitters::Scope::kUser
                                                            : emitters::Scope::kSystem;
  part.digest = plist::sha256_hex(part.bytes);
  if (const plist::Value* content = profile.get("PayloadContent"); content && content->is_array()) {
    for (const plist::Value& payload : content->as_array()) {
      if (const std::string* uuid = payload.get_string("PayloadUUID")) {
        part.references.holds.push_back(*uuid);
      }
      collect_references(payload, part.references.refers_to);
    }
  }
  for (const emitters::Target* t : options.targets) {
    part.refusals.push_back(t->refusal ? t->refusal({profile}) : std::string());
  }
}

optimizer::SplitOptions split_options(const BuildOptions& options) {
  optimizer::SplitOptions so;
  optimizer::OptimizeOptions& oo = so.optimize;
  oo.level = options.level;
  oo.target = &strictest_target(options);
  oo.limit = options.limit;
  oo.schema = options.schema.get();
  oo.enable = options.enable;
  oo.disable = options.disable;
  for (const emitters::Target* t : options.targets) {
    if (!t->accepts_binary) oo.disable.push_back("binary-plist");
    if (!t->is_mdm) oo.disable.push_back("drop-consent-text");  // local installs show it
    if (t->needs_xml_declaration) {
      oo.disable.push_back("drop-xml-header");
      oo.disable.push_back("bare-dict");
    }
  }
  return so;
}

// Stages 2-4 (optimize, split, sign): the parts to emit. The profile is optimized once, for the
// strictest target, so every target sends the same bytes (one installed profile, one identity);
// forms a selected target cannot take are switched off. When the whole profile does not fit that
// target's limit, the splitter divides it into parts measured against the same limit, so one set
// of parts serves every target; each part is then signed by the policy on its own sizes.
Result<std::vector<ReadyPart>> make_parts(const plist::Value& profile, const std::string& path,
                                          const BuildOptions& options) {
  const optimizer::SplitOptions so = split_options(options);
  Result<optimizer::Split> split = optimizer::split(profile, so);
  if (!split) {
    Error e = split.error();
    for (Diagnostic& d : e.diagnostics) {
      if (d.file.empty()) d.file = path;
    }
    return e;
  }
  std::vector<ReadyPart> parts;
  for (optimizer::SplitPart& p : split->parts) {
    ReadyPart part;
    part.identifier = p.identifier;
    part.uuid = p.uuid;
    part.format = p.optimized.encoding.format;
    part.bytes = std::move(p.optimized.bytes);
    for (const optimizer::PartPayload& pp : p.payloads) {
      part.payloads.push_back(pp.identifier);
      part.payload_types.push_back(pp.type);
    }
    part.mdm_only = optimizer::mdm_only_type(p.payloads, so.optimize.schema);
    describe_part(p.optimized.profile, options, part);
    if (options.identity) {
      if (Status s = sign_part(part, *so.optimize.target, options); !s) return s.error();
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

// A path template with the build-time values filled: {name} is the part's identifier (Jamf names
// objects by it), percent-encoded as a URL path segment.
std::string fill_build_time(std::string_view path, std::string_view identifier) {
  static constexpr std::string_view kName = "{name}";
  std::string out(path);
  std::size_t at = out.find(kName);
  if (at == std::string::npos) return out;
  std::string encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : identifier) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0x0F];
    }
  }
  return out.replace(at, kName.size(), encoded);
}

// A multipart body names its boundary on its first line ("--BOUNDARY"); the content type the
// request declares must carry the same.
std::string fill_content_type(std::string_view type, std::string_view body) {
  static constexpr std::string_view kBoundary = "{boundary}";
  std::string out(type);
  std::size_t at = out.find(kBoundary);
  if (at == std::string::npos) return out;
  std::string_view first = body.substr(0, body.find("\r\n"));
  if (first.starts_with("--")) first.remove_prefix(2);
  return out.replace(at, kBoundary.size(), first);
}

// The requests of an MDM route, from the target's table with this part's bodies.
void describe_requests(const emitters::Target& t, const ReadyPart& part,
                       const std::string& install_body, emitters::TargetRoute& r) {
  for (const emitters::RequestSpec& spec : t.requests) {
    emitters::Request q;
    q.action = spec.action;
    q.method = spec.method;
    q.path = fill_build_time(spec.path, part.identifier);
    const bool install = spec.body == "install";
    q.body = install ? r.install : spec.body == "remove" ? r.remove : "";
    q.body_sha256 = install ? r.install_sha256 : spec.body == "remove" ? r.remove_sha256 : "";
    q.content_type = fill_content_type(spec.content_type, install ? install_body : "");
    q.success = spec.success;
    for (const emitters::Slot& slot : spec.slots) {
      q.slots.push_back({std::string(slot.name), std::string(slot.where),
                         std::string(slot.placeholder), std::string(slot.fill)});
    }
    r.requests.push_back(std::move(q));
  }
  if (t.size_error) {
    r.size_error = emitters::SizeErrorInfo{t.size_error->status, std::string(t.size_error->match),
                                           std::string(t.size_error->meaning)};
  }
}

// The install and remove bodies of an MDM route, as artifacts, and the requests that send them.
void emit_commands(const emitters::Target& t, const ReadyPart& part, const BuildOptions& options,
                   emitters::TargetRoute& r, std::vector<emitters::Artifact>& artifacts) {
  emitters::BodyInput in{.profile = part.bytes,
                         .identifier = part.identifier,
                         .display_name = part.display_name,
                         .user_scope = part.scope == emitters::Scope::kUser,
                         .vendor = &options.vendor};
  std::string install = t.install_body(in);
  std::string remove = t.remove_body ? t.remove_body(in) : std::string();
  if (options.fresh_command_uuids && t.fill_command_uuid && options.uuids) {
    install = t.fill_command_uuid(install, options.uuids->next());
    if (t.remove_body) remove = t.fill_command_uuid(remove, options.uuids->next());
  }
  r.install = emitters::command_path(t, part.identifier, true);
  r.install_sha256 = plist::sha256_hex(install);
  if (t.remove_body) {
    r.remove = emitters::command_path(t, part.identifier, false);
    r.remove_sha256 = plist::sha256_hex(remove);
  }
  describe_requests(t, part, install, r);
  // Bodies come out of string builders with spare capacity; a large build keeps thousands.
  install.shrink_to_fit();
  artifacts.push_back({r.install, std::move(install), r.install_sha256});
  if (t.remove_body) {
    remove.shrink_to_fit();
    artifacts.push_back({r.remove, std::move(remove), r.remove_sha256});
  }
}

// Stage 5 (route and emit): one part's artifacts and its manifest entry.
emitters::Part emit_part(const ReadyPart& part, const BuildOptions& options, SourceResult& result) {
  emitters::Part m;
  m.identifier = part.identifier;
  m.uuid = part.uuid;
  m.display_name = part.display_name;
  m.scope = part.scope;
  m.digest = part.digest;
  m.profile = emitters::profile_path(part.identifier);
  m.bytes = part.bytes.size();
  m.sha256 = plist::sha256_hex(part.bytes);
  m.encoding = part.format;
  m.is_signed = part.is_signed;
  m.payloads = part.payloads;
  m.payload_types = part.payload_types;
  result.artifacts.push_back({m.profile, part.bytes, m.sha256});
  result.artifacts.back().bytes.shrink_to_fit();
  for (std::size_t i = 0; i < options.targets.size(); ++i) {
    const emitters::Target* t = options.targets[i];
    emitters::TargetRoute r;
    r.target = std::string(t->name);
    r.limit = t->is_mdm ? limit_of(*t, options) : 0;
    r.size = t->command_size(part.bytes);
    RouteDecision decision = route_part(
        *t,
        {.size = r.size,
         .is_signed = part.is_signed,
         .format = part.format,
         .mdm_only = part.mdm_only,
         .refusal = part.refusals[i]},
        {.limit = r.limit, .local_allowed = options.local_allowed, .level = options.level});
    r.route = decision.route;
    r.reason = std::move(decision.reason);
    if (r.route == Route::kLocal && !t->is_mdm) {
      r.install = m.profile;
      r.install_sha256 = m.sha256;
    }
    if (r.route == Route::kMdm && options.emit_commands) {
      emit_commands(*t, part, options, r, result.artifacts);
    }
    if (r.reason.empty() && r.target == part.signing_note_target) r.reason = part.signing_note;
    m.routes.push_back(std::move(r));
  }
  return m;
}

void fail(SourceResult& result, const Error& error) {
  result.errors.insert(result.errors.end(), error.diagnostics.begin(), error.diagnostics.end());
  result.error_code = std::max(result.error_code, error.code);
}

// Stages 1-5 for one source, independent of every other source.
SourceResult build_one(const Result<SourceInput>& fetched, const BuildOptions& options) {
  SourceResult result;
  if (!fetched) return fail(result, fetched.error()), result;
  const SourceInput& source = *fetched;
  Result<Source> read = read_source(source.bytes, source.path, options.context, options.sources);
  if (!read) return fail(result, read.error()), result;
  result.warnings = std::move(read->warnings);
  const plist::Value& profile = read->profile;
  Result<std::vector<ReadyPart>> parts = make_parts(profile, source.path, options);
  if (!parts) return fail(result, parts.error()), result;
  emitters::SourceEntry entry;
  entry.path = source.path;
  entry.sha256 = plist::sha256_hex(source.bytes);
  entry.bytes = source.bytes.size();
  entry.identifier = string_or(profile, "PayloadIdentifier");
  entry.uuid = string_or(profile, "PayloadUUID");
  entry.display_name = string_or(profile, "PayloadDisplayName");
  entry.split = parts->size() > 1;
  if (options.identity) {
    entry.signer = options.identity->certificate().subject;
    entry.policy = options.policy;
  }
  for (const ReadyPart& p : *parts) {
    entry.parts.push_back(emit_part(p, options, result));
    entry.owns.push_back(p.identifier);
    result.references.push_back(p.references);
  }
  result.entry = std::move(entry);
  return result;
}

// Two parts whose file names differ only in case would share a file on a case-insensitive file
// system (the macOS default), and two with one identifier would overwrite each other's profile
// on the device: a source whose part clashes with an earlier one is refused.
class NameRegistry {
 public:
  bool take(const emitters::SourceEntry& entry, std::vector<Diagnostic>& errors) {
    std::vector<std::string> names;
    bool clash = false;
    for (const emitters::Part& p : entry.parts) {
      std::string name = emitters::fold_case(emitters::file_name_for(p.identifier));
      if (taken_.count(name) || std::find(names.begin(), names.end(), name) != names.end()) {
        Diagnostic d;
        d.file = entry.path;
        d.key_path = "PayloadIdentifier";
        d.message = "PayloadIdentifier '" + p.identifier +
                    "' is also used (ignoring case) by an earlier source or part; identifiers "
                    "must be unique across a build";
        errors.push_back(std::move(d));
        clash = true;
      }
      names.push_back(std::move(name));
    }
    if (!clash) taken_.insert(names.begin(), names.end());
    return !clash;
  }

 private:
  std::set<std::string> taken_;
};

// Runs build_one over every source on `options.jobs` threads; results land at their index.
std::vector<SourceResult> build_all(std::size_t count,
                                    const std::function<Result<SourceInput>(std::size_t)>& fetch,
                                    const BuildOptions& options) {
  std::vector<SourceResult> results(count);
  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  std::size_t done = 0;
  std::size_t parts = 0;
  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      std::string path;
      // An exception must not leave a worker thread (that would end the process): it becomes
      // this source's internal error, as main() turns one into exit 70.
      try {
        Result<SourceInput> fetched = fetch(i);
        if (fetched) path = fetched->path;
        results[i] = build_one(fetched, options);
      } catch (const std::exception& e) {
        results[i] = SourceResult{};
        fail(results[i],
             Error::make(ExitCode::kInternal, path, std::string("internal error: ") + e.what()));
      }
      if (options.progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        parts += results[i].entry ? results[i].entry->parts.size() : 0;
        options.progress(++done, count, parts, path);
      }
    }
  };
  const std::size_t threads =
      std::clamp<std::size_t>(options.jobs, 1, std::max<std::size_t>(count, 1));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  return results;
}

// The manifest entry's routes counted into the build's totals (routes are in target order).
void count_routes(const emitters::SourceEntry& entry, const BuildOptions& options,
                  BuildOutput& out) {
  for (const emitters::Part& p : entry.parts) {
    for (std::size_t i = 0; i < p.routes.size(); ++i) {
      out.undeliverable += p.routes[i].route == Route::kUndeliverable;
      out.routed_local += p.routes[i].route == Route::kLocal && options.targets[i]->is_mdm;
    }
  }
}

// Gathers the per-source results in source order into one output; any error fails the build
// unless keep_going.
Result<BuildOutput> gather(std::vector<SourceResult> results, const BuildOptions& options) {
  BuildOutput out;
  out.manifest.generator = options.generator;
  out.manifest.level = options.level;
  for (const emitters::Target* t : options.targets) out.manifest.targets.emplace_back(t->name);
  std::vector<Diagnostic> all_errors;
  ExitCode worst = ExitCode::kOk;
  NameRegistry names;
  std::vector<emitters::PartReferences> references;
  for (SourceResult& r : results) {
    for (Diagnostic& w : r.warnings) out.warnings.push_back(std::move(w));
    std::vector<Diagnostic>& errors = options.keep_going ? out.skipped : all_errors;
    if (r.entry && !names.take(*r.entry, r.errors)) r.error_code = ExitCode::kDataError;
    if (r.error_code != ExitCode::kOk) {
      errors.insert(errors.end(), r.errors.begin(), r.errors.end());
      worst = std::max(worst, r.error_code);
      ++out.skipped_sources;
      continue;
    }
    count_routes(*r.entry, options, out);
    for (emitters::PartReferences& refs : r.references) references.push_back(std::move(refs));
    for (emitters::Artifact& a : r.artifacts) out.artifacts.push_back(std::move(a));
    out.manifest.sources.push_back(std::move(*r.entry));
  }
  if (!all_errors.empty()) return Error(worst, std::move(all_errors));
  out.skipped_code = worst;
  emitters::order_parts(out.manifest, references);
  emitters::list_files(out.manifest, out.artifacts);
  out.artifacts.push_back({"manifest.json", emitters::write_manifest(out.manifest)});
  if (options.identity) {
    signer::SignOptions so;
    so.signing_time = options.signing_time;
    so.detached = true;
    Result<std::string> signature = signer::sign(out.artifacts.back().bytes, *options.identity, so);
    if (!signature) return signature.error();
    out.artifacts.push_back({std::string(emitters::kManifestSignatureName), std::move(*signature)});
  }
  return out;
}

// The build over `count` sources that `fetch` yields one at a time, so a large build holds the
// bytes of at most `jobs` sources at a time rather than all of them.
Result<BuildOutput> build_sources(std::size_t count,
                                  const std::function<Result<SourceInput>(std::size_t)>& fetch,
                                  const BuildOptions& options) {
  if (Status s = check_options(options); !s) return s.error();
  return gather(build_all(count, fetch, options), options);
}

}  // namespace

Status check_options(const BuildOptions& options) {
  if (options.targets.empty()) {
    return Error::make(ExitCode::kUsage, "", "no target given (--target)");
  }
  for (const emitters::Target* t : options.targets) {
    if (t->name == "jamf" && options.vendor.jamf_scope.empty()) {
      return Error::make(ExitCode::kUsage, "",
                         "--target jamf needs --jamf-scope: all-computers, a computer group's "
                         "name, or none (scope it in Jamf later); without a scope Jamf installs "
                         "the profile on no computer");
    }
  }
  if (options.policy == SigningPolicy::kRequireSigned && options.identity == nullptr) {
    return Error::make(ExitCode::kUsage, "",
                       "--sign-policy require-signed needs a signing identity: add --sign-key "
                       "KEY --sign-cert CERT (or --sign-p12 FILE), or choose --sign-policy "
                       "prefer-signed");
  }
  return Ok{};
}

Result<BuildOutput> build(const std::vector<SourceInput>& sources, const BuildOptions& options) {
  return build_sources(
      sources.size(), [&](std::size_t i) -> Result<SourceInput> { return sources[i]; }, options);
}

Result<BuildRun> run_build(const std::vector<std::string>& source_args, const std::string& out_dir,
                           bool bundle, const BuildOptions& options) {
  if (Status s = check_options(options); !s) return s.error();
  Result<std::vector<std::string>> paths = expand_source_paths(source_args);
  if (!paths) return paths.error();
  if (paths->empty()) return Error::make(ExitCode::kUsage, "", "no source files");
  Result<BuildOutput> output = build_sources(
      paths->size(),
      [&](std::size_t i) -> Result<SourceInput> {
        Result<std::string> bytes = read_file((*paths)[i]);
        if (!bytes) return bytes.error();
        return SourceInput{(*paths)[i], std::move(*bytes)};
      },
      options);
  if (!output) return output.error();
  BuildRun run;
  run.output = std::move(*output);
  Result<emitters::WriteStats> stats = emitters::write_layout(out_dir, run.output.artifacts);
  if (!stats) return stats.error();
  run.stats = *stats;
  if (bundle) {
    Result<std::string> bytes = emitters::write_bundle(run.output.artifacts);
    if (!bytes) return bytes.error();
    run.bundle_bytes = bytes->size();
    Result<bool> written = emitters::write_file_in(out_dir, emitters::kBundleFileName, *bytes);
    if (!written) return written.error();
    run.bundle_written = *written;
  }
  return run;
}

Result<emitters::WriteStats> unbundle(const std::string& bundle_path, const std::string& out_dir,
                                      const emitters::BundleLimits& limits,
                                      const std::vector<std::string>& anchors) {
  if (anchors.empty()) return emitters::unpack_bundle(bundle_path, out_dir, limits);
  return emitters::unpack_bundle(
      bundle_path, out_dir, limits, [&](std::string_view manifest, std::string_view signature) {
        return verify_manifest_signature(manifest, signature, anchors, bundle_path + ":");
      });
}

}  // namespace cmdm::pipeline
