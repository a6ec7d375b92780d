// The build pipeline: each source is compiled (templates, identity), optimized for the strictest
// target, split into parts when it does not fit that target, each part signed when the policy says
// so, measured against every target, routed (mdm, local or undeliverable) and emitted as profile,
// command bodies and manifest entries.
// Stages work on in-memory values; files are read and written only in run_build/unbundle.
#include "cli/build_pipeline.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "emitters/bundle.h"
#include "optimizer/optimizer.h"
#include "optimizer/splitter.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::cli {

namespace {

// A profile ready to emit: its final bytes and what the manifest says about it.
struct ReadyPart {
  std::string identifier;
  std::string uuid;
  std::string bytes;
  std::string encoding = "xml";
  bool is_signed = false;
  std::vector<std::string> payloads;       // PayloadIdentifiers, in the part's order
  std::vector<std::string> payload_types;  // their PayloadTypes, same order
  std::string signing_note;  // why the policy sent it unsigned, when an identity was given
  std::string signing_note_target;  // the target whose limit the policy weighed
  std::string mdm_only;  // a payload type macOS installs only through an MDM (never `local`)
};

std::string string_or(const plist::Value& dict, const char* key) {
  const std::string* s = dict.get_string(key);
  return s ? *s : std::string();
}

Diagnostic error_at(const std::string& file, const std::string& message,
                    const std::string& key_path = {}) {
  Diagnostic d;
  d.file = file;
  d.key_path = key_path;
  d.message = message;
  return d;
}

// Stage 1 (compile): the source's profile model, identity filled in.
Result<plist::Value> load_profile(const SourceInput& source, const BuildOptions& options,
                                  std::vector<Diagnostic>& warnings) {
  Result<compiler::CompiledProfile> compiled =
      compiler::compile_bytes(source.bytes, source.path, options.context);
  if (!compiled) return compiled.error();
  for (Diagnostic& w : compiled->warnings) warnings.push_back(std::move(w));
  if (!compiled->profile.is_dict()) {
    return Error(ExitCode::kDataError,
                 error_at(source.path, "top level is a " +
                                           std::string(plist::type_name(compiled->profile.type())) +
                                           ", not a dict: not a configuration profile"));
  }
  if (string_or(compiled->profile, "PayloadIdentifier").empty()) {
    return Error(ExitCode::kDataError,
                 error_at(source.path, "the profile has no PayloadIdentifier", "PayloadIdentifier"));
  }
  return std::move(compiled->profile);
}

// The target whose limit binds: the smallest limit among MDM targets; the first target otherwise.
const emitters::Target& strictest_target(const BuildOptions& options) {
  const emitters::Target* best = options.targets.front();
  for (const emitters::Target* t : options.targets) {
    if (!t->is_mdm || t->default_limit == 0) continue;
    if (best->default_limit == 0 || !best->is_mdm || t->default_limit < best->default_limit) best = t;
  }
  return *best;
}

// Stage 4 (sign): applies the signing policy to one part, from its measured sizes against the
// strictest target: signed when the signed part fits, else unsigned when that fits (prefer-signed);
// a part that fits in neither form keeps the signature unless the policy is `unsigned`, and is
// routed local or undeliverable by emit_part.
Status sign_part(ReadyPart& part, const emitters::Target& strictest, const BuildOptions& options) {
  signer::SignOptions so;
  so.signing_time = options.signing_time;
  std::optional<std::string> signed_bytes;
  Error sign_error;
  bool sign_failed = false;
  auto measure = [&](bool is_signed) -> std::optional<std::size_t> {
    if (!is_signed) return strictest.command_size(part.bytes);
    if (!signed_bytes) {
      Result<std::string> cms = signer::sign(part.bytes, *options.identity, so);
      if (!cms) {
        sign_error = cms.error();
        sign_failed = true;
        return std::nullopt;
      }
      signed_bytes = std::move(*cms);
    }
    return strictest.command_size(*signed_bytes);
  };
  std::optional<std::size_t> limit;
  if (strictest.is_mdm && strictest.default_limit) limit = strictest.default_limit;
  signer::PolicyDecision decision = signer::decide(options.policy, measure, limit);
  if (sign_failed) return sign_error;
  bool want_signed = decision.delivery == signer::Delivery::kSigned ||
                     (decision.delivery == signer::Delivery::kSplit &&
                      options.policy != signer::SigningPolicy::kUnsigned);
  if (want_signed) {
    if (!signed_bytes) measure(true);
    if (sign_failed) return sign_error;
    part.bytes = std::move(*signed_bytes);
    part.is_signed = true;
  } else {
    part.signing_note = decision.reason;
    part.signing_note_target = std::string(strictest.name);
  }
  return Ok{};
}

// Stages 2-4 (optimize, split, sign): the parts to emit. The profile is optimized once, for the
// strictest target, so every target sends the same bytes (one installed profile, one identity);
// forms a selected target cannot take are switched off. When the whole profile does not fit that
// target's limit, the splitter divides it into parts measured against the same limit, so one set
// of parts serves every target; each part is then signed by the policy on its own sizes.
Result<std::vector<ReadyPart>> make_parts(const plist::Value& profile, const std::string& path,
                                          const BuildOptions& options) {
  const emitters::Target& strictest = strictest_target(options);
  Result<optimizer::Level> level = optimizer::parse_level(options.level);
  if (!level) return level.error();
  optimizer::SplitOptions split_options;
  optimizer::OptimizeOptions& oo = split_options.optimize;
  oo.level = *level;
  oo.target = &strictest;
  oo.schema = options.schema.get();
  for (const emitters::Target* t : options.targets) {
    if (!t->accepts_binary) oo.disable.push_back("binary-plist");
    if (!t->is_mdm) oo.disable.push_back("drop-consent-text");  // local installs show it
  }
  // emit_part decides the route of a part that cannot fit alone, per target, by the same rule.
  split_options.local_allowed = options.local_allowed;
  Result<optimizer::Split> split = optimizer::split(profile, split_options);
  if (!split) {
    Error e = split.error();
    for (Diagnostic& d : e.diagnostics) {
      if (d.file.empty()) d.file = path;
    }
    return e;
  }
  std::vector<ReadyPart> parts;
  for (optimizer::Part& p : split->parts) {
    ReadyPart part;
    part.identifier = p.identifier;
    part.uuid = p.uuid;
    part.encoding =
        p.optimized.encoding.format == optimizer::Encoding::Format::kBinary ? "binary" : "xml";
    part.bytes = std::move(p.optimized.bytes);
    for (const optimizer::PartPayload& pp : p.payloads) {
      part.payloads.push_back(pp.identifier);
      part.payload_types.push_back(pp.type);
    }
    part.mdm_only = optimizer::mdm_only_type(p.payloads, oo.schema);
    if (options.identity) {
      if (Status s = sign_part(part, strictest, options); !s) return s.error();
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string fits_reason(const emitters::Target& t, std::size_t size, std::size_t limit,
                        const BuildOptions& options, const std::string& mdm_only) {
  std::string raise = options.level == "aggressive" ? "" : " or raise --level";
  std::string does_not_fit = "does not fit " + std::string(t.name) + " even alone: " +
                             std::to_string(size) + " " + std::string(t.limit_counts) +
                             " > limit " + std::to_string(limit);
  if (!mdm_only.empty()) {
    return does_not_fit + ", and " + mdm_only + " is installed only through an MDM, never locally" +
           (options.level == "aggressive" ? "" : "; raise --level");
  }
  if (options.local_allowed) return does_not_fit + "; install it locally (profiles/)" + raise;
  return does_not_fit +
         ", and since macOS 11 a profile installed locally needs a person's approval; "
         "use --allow-local (install it by hand) or --os macOS:10.15 (older Macs)" + raise;
}

// Stage 5 (emit): one part's artifacts and its manifest entry.
emitters::Part emit_part(const ReadyPart& part, const BuildOptions& options,
                         std::vector<emitters::Artifact>& artifacts, BuildOutput& out) {
  emitters::Part m;
  m.identifier = part.identifier;
  m.uuid = part.uuid;
  m.profile = emitters::profile_path(part.identifier);
  m.bytes = part.bytes.size();
  m.sha256 = plist::sha256_hex(part.bytes);
  m.encoding = part.encoding;
  m.is_signed = part.is_signed;
  m.payloads = part.payloads;
  m.payload_types = part.payload_types;
  artifacts.push_back({m.profile, part.bytes, m.sha256});
  artifacts.back().bytes.shrink_to_fit();
  for (const emitters::Target* t : options.targets) {
    emitters::Route r;
    r.target = std::string(t->name);
    r.limit = t->default_limit;
    r.size = t->command_size(part.bytes);
    if (!t->is_mdm) {
      if (!part.mdm_only.empty()) {
        r.route = "undeliverable";
        r.reason = part.mdm_only + " is installed only through an MDM, never locally";
        ++out.undeliverable;
      } else {
        r.route = "local";
        r.install = m.profile;
        r.install_sha256 = m.sha256;
      }
      m.routes.push_back(std::move(r));
      continue;
    }
    if (part.is_signed && !t->accepts_signed) {
      r.route = "undeliverable";
      r.reason = std::string(t->name) + " refuses signed profiles (it signs what it deploys); "
                 "build this target without --sign";
    } else if (part.encoding == "binary" && !t->accepts_binary) {
      r.route = "undeliverable";
      r.reason = std::string(t->name) + " cannot carry a binary profile; use a lower --level";
    } else if (r.limit != 0 && r.size > r.limit) {
      r.route = options.local_allowed && part.mdm_only.empty() ? "local" : "undeliverable";
      r.reason = fits_reason(*t, r.size, r.limit, options, part.mdm_only);
    } else {
      r.route = "mdm";
    }
    if (r.route == "undeliverable") ++out.undeliverable;
    if (r.route == "local") ++out.routed_local;
    if (r.route == "mdm") {
      std::string install = t->install_body(part.bytes, part.identifier);
      std::string remove = t->remove_body(part.identifier);
      if (options.fresh_command_uuids && t->fill_command_uuid && options.uuids) {
        install = t->fill_command_uuid(install, options.uuids->next());
        remove = t->fill_command_uuid(remove, options.uuids->next());
      }
      r.install = emitters::command_path(*t, part.identifier, true);
      r.install_sha256 = plist::sha256_hex(install);
      r.remove = emitters::command_path(*t, part.identifier, false);
      r.remove_sha256 = plist::sha256_hex(remove);
      // Bodies come out of string builders with spare capacity; a large build keeps thousands.
      install.shrink_to_fit();
      remove.shrink_to_fit();
      artifacts.push_back({r.install, std::move(install), r.install_sha256});
      artifacts.push_back({r.remove, std::move(remove), r.remove_sha256});
    }
    if (r.reason.empty() && r.target == part.signing_note_target) r.reason = part.signing_note;
    m.routes.push_back(std::move(r));
  }
  return m;
}

}  // namespace

namespace {

// The build over `count` sources that `fetch` yields one at a time, so a large build holds one
// source's bytes at a time rather than all of them.
Result<BuildOutput> build_sources(std::size_t count,
                                  const std::function<Result<SourceInput>(std::size_t)>& fetch,
                                  const BuildOptions& options) {
  if (options.targets.empty()) {
    return Error::make(ExitCode::kUsage, "", "no target given (--target)");
  }
  if (Result<optimizer::Level> level = optimizer::parse_level(options.level); !level) {
    return level.error();
  }
  BuildOutput out;
  out.manifest.generator = options.generator;
  out.manifest.level = options.level;
  for (const emitters::Target* t : options.targets) out.manifest.targets.emplace_back(t->name);

  std::vector<Diagnostic> all_errors;
  // File names of the parts so far, lower-cased: two identifiers that differ only in case would
  // share a file on a case-insensitive file system (the macOS default).
  std::set<std::string> taken;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<Diagnostic>& errors = options.keep_going ? out.skipped : all_errors;
    Result<SourceInput> fetched = fetch(i);
    if (!fetched) {
      for (const Diagnostic& d : fetched.error().diagnostics) errors.push_back(d);
      ++out.skipped_sources;
      continue;
    }
    const SourceInput& source = *fetched;
    if (options.progress) options.progress(i, count, source.path);
    Result<plist::Value> profile = load_profile(source, options, out.warnings);
    if (!profile) {
      for (const Diagnostic& d : profile.error().diagnostics) errors.push_back(d);
      ++out.skipped_sources;
      continue;
    }
    Result<std::vector<ReadyPart>> parts = make_parts(*profile, source.path, options);
    if (!parts) {
      for (const Diagnostic& d : parts.error().diagnostics) errors.push_back(d);
      ++out.skipped_sources;
      continue;
    }
    std::vector<std::string> names;
    bool clash = false;
    for (const ReadyPart& p : *parts) {
      // Two parts with one identifier would overwrite each other's files and, on the device,
      // each other's profile.
      std::string name = emitters::file_name_for(p.identifier);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (taken.count(name) || std::find(names.begin(), names.end(), name) != names.end()) {
        errors.push_back(error_at(source.path,
                                  "PayloadIdentifier '" + p.identifier +
                                      "' is also used (ignoring case) by an earlier source or "
                                      "part; identifiers must be unique across a build",
                                  "PayloadIdentifier"));
        clash = true;
      }
      names.push_back(std::move(name));
    }
    if (clash) {
      ++out.skipped_sources;
      continue;
    }
    taken.insert(names.begin(), names.end());
    emitters::SourceEntry entry;
    entry.path = source.path;
    entry.sha256 = plist::sha256_hex(source.bytes);
    entry.bytes = source.bytes.size();
    entry.identifier = string_or(*profile, "PayloadIdentifier");
    entry.uuid = string_or(*profile, "PayloadUUID");
    entry.display_name = string_or(*profile, "PayloadDisplayName");
    entry.split = parts->size() > 1;
    if (options.identity) {
      entry.signer = options.identity->certificate().subject;
      entry.policy = std::string(signer::policy_name(options.policy));
    }
    for (const ReadyPart& p : *parts) {
      entry.parts.push_back(emit_part(p, options, out.artifacts, out));
    }
    out.manifest.sources.push_back(std::move(entry));
  }
  if (!all_errors.empty()) return Error(ExitCode::kDataError, std::move(all_errors));
  emitters::list_files(out.manifest, out.artifacts);
  out.artifacts.push_back({"manifest.json", emitters::write_manifest(out.manifest)});
  return out;
}

}  // namespace

Result<BuildOutput> build(const std::vector<SourceInput>& sources, const BuildOptions& options) {
  return build_sources(
      sources.size(), [&](std::size_t i) -> Result<SourceInput> { return sources[i]; }, options);
}

Result<std::vector<std::string>> expand_source_paths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    Result<std::vector<std::string>> files = compiler::expand_sources(arg);
    if (!files) return files.error();
    out.insert(out.end(), files->begin(), files->end());
  }
  return out;
}

Result<BuildRun> run_build(const std::vector<std::string>& source_args, const std::string& out_dir,
                           bool bundle, const BuildOptions& options) {
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

Result<emitters::WriteStats> unbundle(const std::string& bundle_path, const std::string& out_dir) {
  return emitters::unpack_bundle(bundle_path, out_dir);
}

}  // namespace cmdm::cli
