// `cmdm apply`: make the profiles installed on this Mac match a build, through the MDM's API
// (dispatcher/apply.h). Reads the configuration, wires the real device, ledger and transport
// together, and prints one line per part.
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/apply_setup.h"
#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "dispatcher/apply.h"
#include "dispatcher/config.h"
#include "dispatcher/device.h"
#include "dispatcher/ledger.h"
#include "dispatcher/process.h"
#include "plist/file_io.h"

namespace cmdm::cli {
namespace {

using namespace cmdm::dispatcher;

nlohmann::json summary_json(const ApplySummary& s) {
  nlohmann::json j = {{"installed", s.installed}, {"updated", s.updated}, {"removed", s.removed},
                      {"unchanged", s.unchanged}, {"failed", s.failed},   {"not_sent", s.not_sent},
                      {"requests", s.requests},   {"dry_run", s.dry_run}};
  j["parts"] = nlohmann::json::array();
  for (const PartOutcome& p : s.parts) {
    j["parts"].push_back({{"identifier", p.identifier},
                          {"action", p.action},
                          {"result", p.result},
                          {"detail", p.detail},
                          {"command_uuid", p.command_uuid}});
  }
  return j;
}

void print_human(const ApplySummary& s) {
  for (const PartOutcome& p : s.parts) {
    std::cout << p.result << "  " << p.action << "  " << printable_text(p.identifier);
    if (!p.command_uuid.empty()) std::cout << "  CommandUUID " << p.command_uuid;
    std::cout << '\n';
    if (!p.detail.empty()) std::cout << "    " << printable_text(p.detail) << '\n';
  }
  std::cout << s.installed << " installed, " << s.updated << " updated, " << s.removed
            << " removed, " << s.unchanged << " unchanged, " << s.failed << " failed, "
            << s.not_sent << " not sent (" << s.requests << " requests)"
            << (s.dry_run ? "; dry run: nothing was sent\n" : "\n");
}

// --status: what the ledger says cmdm installed, and any change an interrupted run left.
int print_status(Ledger& ledger, bool json) {
  Result<std::vector<InstalledPart>> installed = ledger.installed();
  if (!installed) return report(installed.error());
  Result<std::vector<Intent>> unfinished = ledger.unfinished();
  if (!unfinished) return report(unfinished.error());
  nlohmann::json j = {{"installed", nlohmann::json::array()},
                      {"unfinished", nlohmann::json::array()}};
  for (const InstalledPart& p : *installed) {
    j["installed"].push_back({{"identifier", p.part_identifier},
                              {"target", p.target},
                              {"uuid", p.profile_uuid},
                              {"digest", p.digest},
                              {"installed_at", p.installed_at}});
    if (!json)
      std::cout << "installed  " << p.target << "  " << printable_text(p.part_identifier) << '\n';
  }
  for (const Intent& i : *unfinished) {
    j["unfinished"].push_back({{"identifier", i.part_identifier},
                               {"action", action_name(i.action)},
                               {"state", state_name(i.state)},
                               {"command_uuid", i.command_uuid}});
    if (!json) {
      std::cout << state_name(i.state) << "  " << action_name(i.action) << "  "
                << printable_text(i.part_identifier) << '\n';
    }
  }
  if (json) std::cout << j.dump(2) << '\n';
  return 0;
}

// --check: the plan's pending changes, one line each; 0 when there are none, 1 otherwise.
int print_check(const ApplySummary& s, bool json) {
  const std::size_t pending = s.installed + s.updated + s.removed;
  if (json) {
    nlohmann::json j = summary_json(s);
    j["pending"] = pending;
    std::cout << j.dump(2) << '\n';
  } else {
    for (const PartOutcome& p : s.parts) {
      if (p.action != "install" && p.action != "update" && p.action != "remove") continue;
      std::cout << "pending  " << p.action << "  " << printable_text(p.identifier) << '\n';
    }
    std::cout << (pending == 0 ? "the device matches\n"
                               : std::to_string(pending) + " change(s) pending\n");
  }
  return pending == 0 ? 0 : 1;
}

int apply_build(ApplyOptions options, const std::vector<std::string>& ca_files, Ledger& ledger,
                ApplyReporting reporting, bool check) {
  const bool json = reporting.json;
  for (const std::string& path : ca_files) {
    Result<std::string> bytes = read_file(path);
    if (!bytes) return report(bytes.error());
    options.anchors.push_back(std::move(*bytes));
  }
  Result<ApplySummary> summary = run_configured_apply(std::move(options), ledger, reporting);
  if (!summary) return report(summary.error());
  if (check) return print_check(*summary, json);
  if (json) {
    std::cout << summary_json(*summary).dump(2) << '\n';
  } else {
    print_human(*summary);
  }
  return summary->ok() ? 0 : 1;
}

// A build (an OUT directory holding manifest.json, or a bundle file named *.cmdm) is applied as
// it is; anything else is taken as profile sources to compile here.
bool is_build(const std::vector<std::string>& inputs) {
  if (inputs.size() != 1) return false;
  const std::string& input = inputs[0];
  struct stat st {};
  if (::stat(input.c_str(), &st) != 0) return false;
  if (S_ISDIR(st.st_mode)) return ::stat((input + "/manifest.json").c_str(), &st) == 0;
  return input.ends_with(".cmdm");
}

}  // namespace

int run_apply(const Args& args) {
  po::options_description options("apply options");
  std::vector<std::string> inputs, ca_files;
  std::string config_file, prefix, profile;
  pipeline::TemplateInputs templates;
  pipeline::SourceOptions sources;
  double poll_seconds = 2, timeout_seconds = 120;
  // clang-format off
  options.add_options()
      ("config", po::value(&config_file), "configuration property list (else $CMDM_CONFIG, else "
                                          "/Library/Preferences/com.cmdm.dispatcher.plist)")
      ("dry-run", "plan and print; send nothing and leave the ledger as it is")
      ("check", "send nothing; exit 0 when the device matches, 1 when changes are pending "
                "(listed)")
      ("prefix", po::value(&prefix), "manage only identifiers under this prefix: refuse parts "
                                     "outside it, remove stale parts only inside it")
      ("profile", po::value(&profile), "manage only this profile and its split parts (one "
                                       "source); with nothing to apply, remove it")
      ("json", "print a JSON summary")
      ("verbose", "one line per HTTP request on stderr (method, URL without query, status, ms)")
      ("status", "print what the ledger says cmdm installed, and unfinished changes; apply nothing")
      ("ca", po::value(&ca_files), "trust anchors the build must be signed by; repeatable")
      ("poll-interval", po::value(&poll_seconds), "seconds between listings while confirming (2)")
      ("confirm-timeout", po::value(&timeout_seconds),
       "seconds to wait for the device to show a change (120)")
      ("input", po::value(&inputs), "OUT directory of cmdm build, a bundle, or profile sources");
  // clang-format on
  add_template_options(options, templates);
  add_source_options(options, sources);
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map vm;
  if (auto code = parse_options("apply",
                                "[OUT|BUNDLE|SOURCES...] [--config F] [--check|--dry-run] "
                                "[--prefix P|--profile ID] [--json] [--verbose] [--ca F]... "
                                "[--var/--vars/--facts F]",
                                options, positional, args, vm)) {
    return *code;
  }
  if (!(poll_seconds >= 0.01 && poll_seconds <= 3600 && timeout_seconds >= 0 &&
        timeout_seconds <= 86400)) {
    return usage_error("apply",
                       "--poll-interval takes 0.01 to 3600 seconds, --confirm-timeout 0 "
                       "to 86400");
  }
  const bool status = vm.count("status") > 0, check = vm.count("check") > 0;
  if (!prefix.empty() && !profile.empty()) {
    return usage_error("apply", "--prefix and --profile cannot be combined");
  }
  // Nothing to apply within a scope is a desired state too: nothing under it (all removed).
  if (inputs.empty() && !status && prefix.empty() && profile.empty()) {
    return usage_error("apply",
                       "nothing to apply (OUT, BUNDLE or SOURCES; or --prefix or "
                       "--profile alone, to remove what is under it)");
  }
  const bool build = is_build(inputs);
  if (build &&
      !(templates.vars.empty() && templates.vars_files.empty() && templates.facts_files.empty())) {
    return usage_error("apply", "--var, --vars and --facts apply to sources, not to a build");
  }
  Result<DispatcherConfig> config = load_config(config_path(config_file));
  if (!config) return report(config.error());
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(config->ledger_path);
  if (!ledger) return report(ledger.error());
  if (status) return print_status(**ledger, vm.count("json") > 0);
  ApplyOptions apply_options{
      .config = *config,
      .dry_run = vm.count("dry-run") > 0 || check,
      .poll_interval = std::chrono::milliseconds(std::llround(poll_seconds * 1000)),
      .confirm_timeout = std::chrono::milliseconds(std::llround(timeout_seconds * 1000))};
  apply_options.scope = profile.empty() ? PlanScope{.prefix = prefix}
                                        : PlanScope{.prefix = profile, .one_source = true};
  if (build) {
    apply_options.input = inputs[0];
  } else if (!inputs.empty()) {
    apply_options.sources = inputs;
    Result<compiler::Context> context = device_template_context(*config, templates);
    if (!context) return report(context.error());
    apply_options.build.context = std::move(*context);
    apply_options.build.sources = sources;
    apply_options.build.generator = "cmdm apply";
  }
  return apply_build(std::move(apply_options), ca_files, **ledger,
                     {.json = vm.count("json") > 0, .verbose = vm.count("verbose") > 0}, check);
}

}  // namespace cmdm::cli
