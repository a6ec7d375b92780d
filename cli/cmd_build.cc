// `cmdm build`: sources in, ready-to-send profiles, MDM command bodies, manifest (and bundle) out.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "cli/progress.h"
#include "cli/signing_options.h"
#include "cli/table.h"
#include "pipeline/build.h"
#include "pipeline/schema_facts.h"

namespace cmdm::cli {

namespace {

void print_table(const pipeline::BuildRun& run, bool bundle, const std::string& out_dir) {
  Table table({"PART", "TARGET", "ROUTE", "SIZE"}, {false, false, false, false});
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      for (const emitters::TargetRoute& r : p.routes) {
        std::string size = std::to_string(r.size);
        if (r.limit) size += " / " + std::to_string(r.limit);
        table.add({p.identifier, r.target, std::string(emitters::route_name(r.route)), size});
        if (!r.reason.empty()) table.add_note(r.reason);
      }
    }
  }
  table.print(std::cout);
  std::size_t parts = 0;
  for (const auto& s : run.output.manifest.sources) parts += s.parts.size();
  std::cout << run.output.manifest.sources.size() << " sources, " << parts << " parts -> "
            << printable_text(out_dir) << ": " << run.stats.written << " written, "
            << run.stats.unchanged << " unchanged, " << run.stats.removed << " removed";
  if (bundle) {
    std::cout << "; bundle " << run.bundle_bytes << " bytes"
              << (run.bundle_written ? "" : " (unchanged)");
  }
  std::cout << '\n';
}

void print_json(const pipeline::BuildRun& run, bool bundle) {
  nlohmann::ordered_json j;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      for (const emitters::TargetRoute& r : p.routes) {
        nlohmann::ordered_json row;
        row["source"] = s.path;
        row["part"] = p.identifier;
        row["target"] = r.target;
        row["route"] = emitters::route_name(r.route);
        row["size"] = r.size;
        row["limit"] = r.limit;
        if (!r.reason.empty()) row["reason"] = r.reason;
        row["install"] = r.install;
        rows.push_back(row);
      }
    }
  }
  j["routes"] = rows;
  j["written"] = run.stats.written;
  j["unchanged"] = run.stats.unchanged;
  j["removed"] = run.stats.removed;
  j["undeliverable"] = run.output.undeliverable;
  j["routed_local"] = run.output.routed_local;
  j["skipped_sources"] = run.output.skipped_sources;
  if (bundle) j["bundle_bytes"] = run.bundle_bytes;
  std::cout << j.dump(2) << '\n';
}

// One error per route that cannot reach the devices, naming source, part and reason (which says
// the fix); the artifacts were written all the same, so other targets can still deliver the part.
void print_undeliverable(const pipeline::BuildRun& run) {
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      for (const emitters::TargetRoute& r : p.routes) {
        if (r.route != emitters::Route::kUndeliverable) continue;
        Diagnostic d;
        d.file = s.path;
        d.message = "part " + p.identifier + " is undeliverable: " + r.reason;  // names the target
        std::cerr << d.format();
      }
    }
  }
}

struct BuildArgs {
  std::vector<std::string> sources;
  std::string targets, out_dir, level, command_uuid, policy, schemas;
  pipeline::TemplateInputs templates;
  pipeline::SourceOptions sources_read;
  LocalInstallArgs local;
  unsigned jobs = 1;
  emitters::VendorOptions vendor;
};

void declare(po::options_description& options, BuildArgs& a) {
  options.add_options()("target,t", po::value(&a.targets)->required(),
                        "targets, comma-separated (`cmdm targets`)")(
      "output,o", po::value(&a.out_dir)->required(), "output directory")(
      "level", po::value(&a.level)->default_value("lossless"), "optimizer level")(
      "schemas", po::value(&a.schemas),
      "Apple's schema (apple/device-management checkout; default $CMDM_SCHEMAS): MDM-only payload "
      "types are never routed local, and --level aggressive drops keys a type does not know");
  add_local_install_options(options, a.local);
  add_template_options(options, a.templates);
  add_source_options(options, a.sources_read);
  add_jobs_option(options, a.jobs);
  options.add_options()("bundle", "also write OUT/bundle.cmdm")(
      "sign-key", po::value<std::string>(), "sign with this private key (PEM or DER)")(
      "sign-cert", po::value<std::string>(), "the signing certificate (PEM or DER)")(
      "sign-p12", po::value<std::string>(), "sign with this PKCS#12 identity instead")(
      "sign-password-env", po::value<std::string>(), "environment variable holding the password")(
      "sign-policy", po::value(&a.policy)->default_value("prefer-signed"),
      "prefer-signed | require-signed | unsigned")(
      "command-uuid", po::value(&a.command_uuid)->default_value("placeholder"),
      "placeholder (the dispatcher fills one per send) | fresh (random UUIDs now)")(
      "keep-going,k", "skip sources that fail (reported) and build the rest; exit 65")(
      "jamf-scope", po::value(&a.vendor.jamf_scope),
      "jamf: scope of each profile object: all-computers | GROUP (a computer group's name) | "
      "none (scope it in Jamf later); required with --target jamf")(
      "fleet-team", po::value(&a.vendor.fleet_team),
      "fleet-profiles: the team id the profiles belong to (default: no team)")(
      "fleet-label", po::value(&a.vendor.fleet_labels)->composing(),
      "fleet-profiles: a label every targeted host must have (repeatable)")(
      "json", "print the summary as JSON")("sources", po::value(&a.sources),
                                           "source files or directories");
}

// The options as the pipeline takes them; nullopt after a usage error (printed).
std::optional<int> to_build_options(const BuildArgs& a, const po::variables_map& vm,
                                    std::optional<signer::Identity>& identity,
                                    pipeline::BuildOptions& build) {
  if (a.command_uuid != "placeholder" && a.command_uuid != "fresh") {
    return usage_error("build", "--command-uuid must be placeholder or fresh");
  }
  Result<std::vector<const emitters::Target*>> targets = emitters::parse_target_list(a.targets);
  if (!targets) return usage_error("build", targets.error().diagnostics[0].message);
  build.targets = *targets;
  build.vendor = a.vendor;
  Result<emitters::Level> level = emitters::parse_level(a.level);
  if (!level) return usage_error("build", level.error().diagnostics[0].message);
  build.level = *level;
  Result<emitters::SigningPolicy> policy = emitters::parse_signing_policy(a.policy);
  if (!policy) return usage_error("build", policy.error().diagnostics[0].message);
  build.policy = *policy;
  Result<std::optional<signer::Identity>> loaded = load_named_identity(
      vm, {"sign-key", "sign-cert", "sign-p12", nullptr, nullptr, "sign-password-env"});
  if (!loaded) return report("build", loaded.error());
  identity = std::move(*loaded);
  if (identity) build.identity = &*identity;
  if (Status s = pipeline::check_options(build); !s) {
    return usage_error("build", s.error().diagnostics[0].message);
  }
  Result<compiler::Context> context = pipeline::make_context(a.templates);
  if (!context) return report("build", context.error());
  build.context = std::move(*context);
  build.sources = a.sources_read;
  Result<std::optional<std::int64_t>> epoch = source_date_epoch();
  if (!epoch) return report(epoch.error());
  build.signing_time = *epoch;
  build.local_allowed = a.local.local_allowed();
  if (std::string dir = schemas_dir(a.schemas); !dir.empty()) {
    Result<optimizer::SchemaFacts> schema = pipeline::load_schema_facts(dir);
    if (!schema) return report(schema.error());
    build.schema = std::make_shared<const optimizer::SchemaFacts>(std::move(schema.value()));
  }
  build.generator = "cmdm " CMDM_VERSION;
  build.fresh_command_uuids = a.command_uuid == "fresh";
  build.keep_going = vm.count("keep-going") > 0;
  build.jobs = a.jobs;
  return std::nullopt;
}

// Bad input (65) or an unreadable source (74) outranks an undeliverable route (1), as in `split`.
int exit_code(const pipeline::BuildRun& run) {
  if (run.output.undeliverable) {
    std::cerr << "cmdm build: " << run.output.undeliverable
              << " undeliverable route(s), see above; every artifact was still written\n";
  }
  if (run.output.skipped_sources) {
    std::cerr << "cmdm build: skipped " << run.output.skipped_sources << " source(s), see above\n";
    return static_cast<int>(run.output.skipped_code);
  }
  return run.output.undeliverable ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace

int run_build(const Args& args) {
  po::options_description options("build options");
  BuildArgs a;
  declare(options, a);
  po::positional_options_description positional;
  positional.add("sources", -1);
  po::variables_map vm;
  const char* synopsis =
      "SRC... --target T[,T...] -o OUT [--level L] [--os macOS:V] [--allow-local] "
      "[--schemas DIR] [--var/--vars/--facts F] [-j N] "
      "[--sign-key K --sign-cert C | --sign-p12 P] [--bundle] [--json]";
  if (auto code = parse_options("build", synopsis, options, positional, args, vm)) return *code;
  if (a.sources.empty()) return usage_error("build", "no sources");
  pipeline::BuildOptions build;
  std::optional<signer::Identity> identity;
  if (auto code = to_build_options(a, vm, identity, build)) return *code;
  std::unique_ptr<emitters::UuidSource> uuids = emitters::system_uuid_source();
  build.uuids = uuids.get();
  const bool json = vm.count("json") > 0;
  Progress progress("build", !json);
  build.progress = progress.callback();
  Result<pipeline::BuildRun> run =
      pipeline::run_build(a.sources, a.out_dir, vm.count("bundle") > 0, build);
  progress.clear();
  if (!run) return report(run.error());
  for (const Diagnostic& w : run->output.warnings) std::cerr << w.format();
  for (const Diagnostic& d : run->output.skipped) std::cerr << d.format();
  print_undeliverable(*run);
  if (json) {
    print_json(*run, vm.count("bundle") > 0);
  } else {
    print_table(*run, vm.count("bundle") > 0, a.out_dir);
  }
  return exit_code(*run);
}

}  // namespace cmdm::cli
