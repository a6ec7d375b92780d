// `cmdm build`: sources in, ready-to-send profiles, MDM command bodies, manifest (and bundle) out.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>

#include "cli/build_pipeline.h"
#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/optimizer_options.h"
#include "cli/signing_options.h"

namespace cmdm::cli {

namespace {

void print_table(const BuildRun& run, bool bundle, const std::string& out_dir) {
  std::cout << std::left << std::setw(40) << "PART" << std::setw(14) << "TARGET" << std::setw(15)
            << "ROUTE" << "SIZE\n";
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      for (const emitters::Route& r : p.routes) {
        std::string size = std::to_string(r.size);
        if (r.limit) size += " / " + std::to_string(r.limit);
        std::cout << std::setw(40) << p.identifier << std::setw(14) << r.target << std::setw(15)
                  << r.route << size << '\n';
        if (!r.reason.empty()) std::cout << "    " << r.reason << '\n';
      }
    }
  }
  std::size_t parts = 0;
  for (const auto& s : run.output.manifest.sources) parts += s.parts.size();
  std::cout << run.output.manifest.sources.size() << " sources, " << parts << " parts -> " << out_dir
            << ": " << run.stats.written << " written, " << run.stats.unchanged << " unchanged, "
            << run.stats.removed << " removed";
  if (bundle) {
    std::cout << "; bundle " << run.bundle_bytes << " bytes"
              << (run.bundle_written ? "" : " (unchanged)");
  }
  std::cout << '\n';
}

void print_json(const BuildRun& run, bool bundle) {
  nlohmann::ordered_json j;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      for (const emitters::Route& r : p.routes) {
        nlohmann::ordered_json row;
        row["source"] = s.path;
        row["part"] = p.identifier;
        row["target"] = r.target;
        row["route"] = r.route;
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
void print_undeliverable(const BuildRun& run) {
  for (const emitters::SourceEntry& s : run.output.manifest.sources) {
    for (const emitters::Part& p : s.parts) {
      for (const emitters::Route& r : p.routes) {
        if (r.route != "undeliverable") continue;
        Diagnostic d;
        d.file = s.path;
        d.message = "part " + p.identifier + " is undeliverable: " + r.reason;  // names the target
        std::cerr << d.format();
      }
    }
  }
}

}  // namespace

int run_build(const Args& args) {
  po::options_description options("build options");
  std::vector<std::string> sources;
  std::string targets, out_dir, level, command_uuid, policy, schemas;
  std::vector<std::string> vars, var_files, fact_files;
  LocalInstallArgs local;
  options.add_options()
      ("target,t", po::value(&targets)->required(), "targets, comma-separated (`cmdm targets`)")
      ("output,o", po::value(&out_dir)->required(), "output directory")
      ("level", po::value(&level)->default_value("lossless"), "optimizer level")
      ("schemas", po::value(&schemas),
       "Apple's schema (apple/device-management checkout; default $CMDM_SCHEMAS): MDM-only payload "
       "types are never routed local, and --level aggressive drops keys a type does not know");
  add_local_install_options(options, local);
  options.add_options()
      ("bundle", "also write OUT/bundle.cmdm")
      ("var", po::value(&vars), "template variable name=text or name:=json (repeatable)")
      ("vars", po::value(&var_files), "variables file: plist, JSON or YAML dict (repeatable)")
      ("facts", po::value(&fact_files), "device facts file (templates see them as facts.*)")
      ("sign-key", po::value<std::string>(), "sign with this private key (PEM or DER)")
      ("sign-cert", po::value<std::string>(), "the signing certificate (PEM or DER)")
      ("sign-p12", po::value<std::string>(), "sign with this PKCS#12 identity instead")
      ("sign-password-env", po::value<std::string>(), "environment variable holding the password")
      ("sign-policy", po::value(&policy)->default_value("prefer-signed"),
       "prefer-signed | require-signed | unsigned")
      ("command-uuid", po::value(&command_uuid)->default_value("placeholder"),
       "placeholder (the dispatcher fills one per send) | fresh (random UUIDs now)")
      ("keep-going,k", "skip sources that fail (reported) and build the rest; exit 65")
      ("json", "print the summary as JSON")
      ("sources", po::value(&sources), "source files or directories");
  po::positional_options_description positional;
  positional.add("sources", -1);
  po::variables_map vm;
  const char* synopsis =
      "SRC... --target T[,T...] -o OUT [--level L] [--os macOS:V] [--allow-local] "
      "[--schemas DIR] [--var/--vars/--facts F] "
      "[--sign-key K --sign-cert C | --sign-p12 P] [--bundle] [--json]";
  if (auto code = parse_options("build", synopsis, options, positional, args, vm)) {
    return *code;
  }
  if (sources.empty()) return usage_error("build", "no sources");
  if (command_uuid != "placeholder" && command_uuid != "fresh") {
    return usage_error("build", "--command-uuid must be placeholder or fresh");
  }
  Result<std::vector<const emitters::Target*>> parsed = emitters::parse_target_list(targets);
  if (!parsed) return usage_error("build", parsed.error().diagnostics[0].message);

  BuildOptions build;
  for (const std::string& f : var_files) {
    if (Status s = compiler::add_vars_file(build.context, f); !s) return report(s.error());
  }
  for (const std::string& v : vars) {
    if (Status s = compiler::add_var_assignment(build.context, v); !s) return report(s.error());
  }
  for (const std::string& f : fact_files) {
    if (Status s = compiler::add_facts_file(build.context, f); !s) return report(s.error());
  }
  Result<signer::SigningPolicy> sign_policy = signer::parse_signing_policy(policy);
  if (!sign_policy) return usage_error("build", sign_policy.error().diagnostics[0].message);
  build.policy = *sign_policy;
  Result<std::optional<signer::Identity>> identity = load_named_identity(
      vm, {"sign-key", "sign-cert", "sign-p12", nullptr, nullptr, "sign-password-env"});
  if (!identity) return report(identity.error());
  if (*identity) build.identity = &**identity;
  Result<std::optional<std::int64_t>> epoch = source_date_epoch();
  if (!epoch) return report(epoch.error());
  build.signing_time = *epoch;
  build.targets = *parsed;
  build.level = level;
  build.local_allowed = local.local_allowed();
  if (schemas.empty()) schemas = optimizer::Schema::default_dir();
  if (!schemas.empty()) {
    Result<optimizer::Schema> schema = optimizer::Schema::load(schemas);
    if (!schema) return report(schema.error());
    build.schema = std::make_shared<const optimizer::Schema>(std::move(schema.value()));
  }
  build.generator = "cmdm " CMDM_VERSION;
  std::unique_ptr<emitters::UuidSource> uuids = emitters::system_uuid_source();
  build.fresh_command_uuids = command_uuid == "fresh";
  build.keep_going = vm.count("keep-going") > 0;
  build.uuids = uuids.get();
  bool tty = ::isatty(2) && !vm.count("json");
  if (tty) {
    build.progress = [](std::size_t i, std::size_t n, const std::string& path) {
      std::cerr << "\r\033[K[" << i + 1 << '/' << n << "] " << path << std::flush;
    };
  }
  Result<BuildRun> run = cli::run_build(sources, out_dir, vm.count("bundle") > 0, build);
  if (tty) std::cerr << "\r\033[K" << std::flush;
  if (!run) return report(run.error());
  for (const Diagnostic& w : run->output.warnings) std::cerr << w.format();
  for (const Diagnostic& d : run->output.skipped) std::cerr << d.format();
  print_undeliverable(*run);
  if (vm.count("json")) {
    print_json(*run, vm.count("bundle") > 0);
  } else {
    print_table(*run, vm.count("bundle") > 0, out_dir);
  }
  if (run->output.undeliverable) {
    std::cerr << "cmdm build: " << run->output.undeliverable
              << " undeliverable route(s), see above; every artifact was still written\n";
  }
  // Bad input (65) outranks an undeliverable route (1), as in `cmdm split`.
  if (run->output.skipped_sources) {
    std::cerr << "cmdm build: skipped " << run->output.skipped_sources << " source(s), see above\n";
    return static_cast<int>(ExitCode::kDataError);
  }
  return run->output.undeliverable ? static_cast<int>(ExitCode::kCheckFailed) : 0;
}

}  // namespace cmdm::cli
