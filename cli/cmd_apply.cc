// `cmdm apply`: make the profiles installed on this Mac match a build, through the MDM's API
// (dispatcher/apply.h). Reads the configuration, wires the real device, ledger and transport
// together, and prints one line per part.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/progress.h"
#include "dispatcher/apply.h"
#include "dispatcher/config.h"
#include "dispatcher/device.h"
#include "dispatcher/device_lookup.h"
#include "dispatcher/ledger.h"
#include "dispatcher/process.h"
#include "plist/file_io.h"

namespace cmdm::cli {
namespace {

using namespace cmdm::dispatcher;

// --config, else CMDM_CONFIG, else the documented default.
std::string config_path(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("CMDM_CONFIG");
  return env != nullptr && *env != '\0' ? env : kDefaultConfigPath;
}

// The `profiles` tool from the configuration. The device emulator finds its state through
// CMDM_FAKE_DEVICE_DIR, which is passed on when set (the real tool ignores it).
MacosTools tools_for(const DispatcherConfig& config) {
  MacosTools tools;
  tools.profiles = config.profiles_path;
  if (const char* dir = std::getenv("CMDM_FAKE_DEVICE_DIR")) {
    tools.environment.push_back(std::string("CMDM_FAKE_DEVICE_DIR=") + dir);
  }
  return tools;
}

// The device's facts, read once, on first need (DeviceIdentity, User parts, local parts).
class LazyFacts {
 public:
  LazyFacts(ProcessRunner& runner, MacosTools tools)
      : source_(make_macos_fact_source(runner, std::move(tools))) {}
  Result<DeviceFacts> get() {
    if (!facts_) facts_ = source_->facts();
    return *facts_;
  }

 private:
  std::unique_ptr<FactSource> source_;
  std::optional<Result<DeviceFacts>> facts_;
};

// DeviceID from the configuration, else the fact DeviceIdentity names, else (lookup) the id the
// vendor's inventory gives for the serial number (cached in the ledger).
Status identify_device(const DispatcherConfig& config, LazyFacts& facts, Transport& transport,
                       Ledger& ledger, ApplyOptions& options) {
  if (!config.device_id.empty()) {
    options.device_id = config.device_id;
    return Ok{};
  }
  Result<DeviceFacts> known = facts.get();
  if (!known) return known.error();
  if (config.identity == DeviceIdentity::kUdid) {
    options.device_id = known->udid;
    return Ok{};
  }
  if (config.identity == DeviceIdentity::kSerial) {
    options.device_id = known->serial_number;
    options.device_id_is_serial = true;
    return Ok{};
  }
  Result<LookedUpDevice> found = look_up_device_id(config, known->serial_number, transport, ledger);
  if (!found) return found.error();
  options.device_id = found->device_id;
  options.device_id_is_serial = found->is_serial;
  return Ok{};
}

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

// How the run reports while it works: a progress line per part on a terminal, and with --verbose
// one line per HTTP attempt on stderr (method, URL without query, status, milliseconds, attempt;
// the transport scrubs credentials from it).
struct Reporting {
  bool json = false;
  bool verbose = false;
};

int apply_build(ApplyOptions options, const std::vector<std::string>& ca_files, Ledger& ledger,
                Reporting reporting) {
  const bool json = reporting.json;
  const DispatcherConfig& config = options.config;
  for (const std::string& path : ca_files) {
    Result<std::string> bytes = read_file(path);
    if (!bytes) return report(bytes.error());
    options.anchors.push_back(std::move(*bytes));
  }
  std::unique_ptr<ProcessRunner> runner = make_posix_process_runner();
  LazyFacts facts(*runner, tools_for(config));
  options.facts = [&facts] { return facts.get(); };
  std::unique_ptr<ProfileLister> lister = make_macos_profile_lister(*runner, tools_for(config));
  std::unique_ptr<LocalInstaller> installer = make_macos_installer(*runner, tools_for(config));
  options.installer = installer.get();
  Progress progress("apply", !json);
  options.progress = [&progress](std::size_t done, std::size_t count, const std::string& part) {
    progress.update(done, count, part);
  };
  TransportOptions transport_settings = transport_options(config);
  if (reporting.verbose) {
    transport_settings.log = [&progress](std::string_view line) {
      progress.clear();
      std::cerr << "apply: " << line << '\n';
    };
  }
  std::unique_ptr<Transport> transport = make_curl_transport(std::move(transport_settings));
  // A dry run sends nothing, so it needs no device id (and a lookup would write the ledger).
  if (!options.dry_run) {
    if (Status identified = identify_device(config, facts, *transport, ledger, options);
        !identified) {
      return report(identified.error());
    }
  }
  std::unique_ptr<emitters::UuidSource> uuids = emitters::system_uuid_source();
  Result<ApplySummary> summary = apply(options, ledger, *lister, *transport, *uuids);
  progress.clear();
  if (!summary) return report(summary.error());
  if (json) {
    std::cout << summary_json(*summary).dump(2) << '\n';
  } else {
    print_human(*summary);
  }
  return summary->ok() ? 0 : 1;
}

}  // namespace

int run_apply(const Args& args) {
  po::options_description options("apply options");
  std::string input, config_file;
  std::vector<std::string> ca_files;
  double poll_seconds = 2, timeout_seconds = 120;
  // clang-format off
  options.add_options()
      ("config", po::value(&config_file), "configuration property list (else $CMDM_CONFIG, else "
                                          "/Library/Preferences/com.cmdm.dispatcher.plist)")
      ("dry-run", "plan and print; send nothing and leave the ledger as it is")
      ("json", "print a JSON summary")
      ("verbose", "one line per HTTP request on stderr (method, URL without query, status, ms)")
      ("status", "print what the ledger says cmdm installed, and unfinished changes; apply nothing")
      ("ca", po::value(&ca_files), "trust anchors the build must be signed by; repeatable")
      ("poll-interval", po::value(&poll_seconds), "seconds between listings while confirming (2)")
      ("confirm-timeout", po::value(&timeout_seconds),
       "seconds to wait for the device to show a change (120)")
      ("input", po::value(&input), "OUT directory of cmdm build, or a bundle");
  // clang-format on
  po::positional_options_description positional;
  positional.add("input", 1);
  po::variables_map vm;
  if (auto code = parse_options(
          "apply", "OUT|BUNDLE [--config F] [--dry-run] [--json] [--verbose] [--ca F]...", options,
          positional, args, vm)) {
    return *code;
  }
  if (!(poll_seconds >= 0.01 && poll_seconds <= 3600 && timeout_seconds >= 0 &&
        timeout_seconds <= 86400)) {
    return usage_error("apply",
                       "--poll-interval takes 0.01 to 3600 seconds, --confirm-timeout 0 "
                       "to 86400");
  }
  const bool status = vm.count("status") > 0;
  if (input.empty() && !status) return usage_error("apply", "no build to apply (OUT or BUNDLE)");
  Result<DispatcherConfig> config = load_config(config_path(config_file));
  if (!config) return report(config.error());
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(config->ledger_path);
  if (!ledger) return report(ledger.error());
  if (status) return print_status(**ledger, vm.count("json") > 0);
  ApplyOptions apply_options{
      .input = input,
      .config = *config,
      .dry_run = vm.count("dry-run") > 0,
      .poll_interval = std::chrono::milliseconds(std::llround(poll_seconds * 1000)),
      .confirm_timeout = std::chrono::milliseconds(std::llround(timeout_seconds * 1000))};
  return apply_build(std::move(apply_options), ca_files, **ledger,
                     {.json = vm.count("json") > 0, .verbose = vm.count("verbose") > 0});
}

}  // namespace cmdm::cli
