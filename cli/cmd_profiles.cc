// `cmdm profiles` (also cmdm itself when it is run as `profiles`): Apple's `profiles` command
// lines for the callers that still run it (Chef, Munki, Puppet, people). Listings merge cmdm's
// split parts back into the profile the caller installed; install and remove go through the MDM
// (`cmdm apply`); every other command line runs the real tool unchanged (docs/integrations.md
// "The profiles front end"). The small `profiles` executable (frontend/profiles_main.cc) answers
// listings and pass-through itself and hands install, remove and --help to this command.

#include <algorithm>
#include <iostream>

#include "cli/apply_setup.h"
#include "cli/command.h"
#include "cli/commands_decl.h"
#include "frontend/args.h"
#include "frontend/runtime.h"

namespace cmdm::cli {
namespace {

using namespace cmdm::dispatcher;
using namespace cmdm::frontend;

// The sources the ledger holds for the configured target.
Result<std::vector<SourceRecord>> target_sources(Ledger& ledger, const std::string& target) {
  Result<std::vector<SourceRecord>> all = ledger.sources();
  if (!all) return all.error();
  std::erase_if(*all, [&](const SourceRecord& s) { return s.target != target; });
  return all;
}

// What the caller sees of an apply done for it: Apple's words where the MDM cannot take a part,
// the reason of any failure; 0 only when every part is on the device.
int install_outcome(const ApplySummary& summary) {
  bool refused = false, failed = false;
  for (const PartOutcome& p : summary.parts) {
    if (p.result == "not sent") {
      if (!refused) {
        std::cerr << "profiles tool no longer supports installs.  Use System Settings Profiles to "
                     "add configuration profiles.\n";
      }
      refused = true;
      std::cerr << "  " << printable_text(p.identifier) << ": " << printable_text(p.detail) << '\n';
    } else if (p.result == "failed") {
      failed = true;
      std::cerr << "profiles: " << printable_text(p.identifier) << ": " << printable_text(p.detail)
                << '\n';
    }
  }
  return refused || failed ? 1 : 0;
}

// The file is read as it is (a caller hashes it; it may be signed), compiled, and sent through
// the MDM; apply returns once every part lists. Only this profile's parts are managed.
int install(const DispatcherConfig& config, Ledger& ledger, const ProfilesRequest& request) {
  ApplyOptions options{.sources = {request.path}, .config = config};
  options.scope.one_source = true;
  options.build.generator = "cmdm profiles";
  Result<ApplySummary> summary = run_configured_apply(std::move(options), ledger);
  if (!summary) return report(summary.error());
  return install_outcome(*summary);
}

// A profile cmdm installed is removed through the MDM, with all its parts; any other goes to the
// real tool (a local profile, or Apple's own refusal).
int remove(const DispatcherConfig& config, Ledger& ledger, const ProfilesRequest& request,
           const Args& args) {
  Result<std::vector<SourceRecord>> sources = target_sources(ledger, config.target);
  if (!sources) return report(sources.error());
  const bool ours = std::any_of(sources->begin(), sources->end(), [&](const SourceRecord& s) {
    return s.identifier == request.identifier;
  });
  if (!ours) return pass_through(config.profiles_path, args);
  ApplyOptions options{.config = config};
  options.scope = {.prefix = request.identifier, .one_source = true};
  Result<ApplySummary> summary = run_configured_apply(std::move(options), ledger);
  if (!summary) return report(summary.error());
  return install_outcome(*summary);
}

// --help (and the man page): the forms answered here. No options of cmdm's own: every argument
// belongs to the `profiles` command line.
std::optional<int> help(const Args& args) {
  if (!(args.empty() || (args.size() == 1 && args[0] == "--help"))) return std::nullopt;
  po::options_description options("profiles");
  std::vector<std::string> rest;
  options.add_options()("args", po::value(&rest), "the profiles command line");
  po::positional_options_description positional;
  positional.add("args", -1);
  po::variables_map vm;
  return parse_options("profiles",
                       "-P|-C|-L [-U USER] [-o stdout|stdout-xml|FILE] | -I -F PATH | -IF PATH | "
                       "-R -p ID | -Rp ID | list|show -output stdout-xml | install -path PATH | "
                       "remove -identifier ID | any other: the real profiles (ProfilesPath)",
                       options, positional, args, vm);
}

}  // namespace

int run_profiles(const Args& args) {
  if (std::optional<int> code = help(args)) return *code;
  const ProfilesRequest request = parse_profiles_args(args);
  Result<DispatcherConfig> config = load_config(config_path(""));
  if (request.action == ProfilesAction::kPassThrough) {
    return pass_through(config ? config->profiles_path : DispatcherConfig().profiles_path, args);
  }
  if (!config) return report(config.error());
  if (request.action == ProfilesAction::kList) return list_profiles(*config, request);
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(config->ledger_path);
  if (!ledger) return report(ledger.error());
  switch (request.action) {
    case ProfilesAction::kInstall:
      return install(*config, **ledger, request);
    case ProfilesAction::kRemove:
      return remove(*config, **ledger, request, args);
    case ProfilesAction::kList:
    case ProfilesAction::kPassThrough:
      break;
  }
  return pass_through(config->profiles_path, args);
}

}  // namespace cmdm::cli
