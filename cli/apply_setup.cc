// Wires an apply to the real device tools, facts and transport (cli/apply_setup.h).
#include "cli/apply_setup.h"

#include <cstdlib>
#include <iostream>
#include <optional>

#include "cli/progress.h"
#include "dispatcher/device_lookup.h"
#include "dispatcher/process.h"

namespace cmdm::cli {

using namespace cmdm::dispatcher;

namespace {

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

}  // namespace

Result<compiler::Context> device_template_context(const DispatcherConfig& config,
                                                  const pipeline::TemplateInputs& inputs) {
  Result<compiler::Context> given = pipeline::make_context(inputs);
  if (!given) return given.error();
  std::unique_ptr<ProcessRunner> runner = make_posix_process_runner();
  Result<DeviceFacts> facts = make_macos_fact_source(*runner, tools_for(config))->facts();
  if (facts) return device_context(*facts, std::move(*given));
  if (facts.error().code != ExitCode::kUnavailable) return facts.error();
  // Not a Mac (tests, CI), or the tools failed: sources that do not use facts still compile,
  // and one that does names the missing fact.
  std::cerr << "cmdm: note: the device's facts cannot be gathered here ("
            << tools_for(config).sw_vers << "); templates see only --facts\n";
  return given;
}

Result<ApplySummary> run_configured_apply(ApplyOptions options, Ledger& ledger,
                                          ApplyReporting reporting) {
  const DispatcherConfig& config = options.config;
  std::unique_ptr<ProcessRunner> runner = make_posix_process_runner();
  LazyFacts facts(*runner, tools_for(config));
  options.facts = [&facts] { return facts.get(); };
  std::unique_ptr<ProfileLister> lister = make_macos_profile_lister(*runner, tools_for(config));
  std::unique_ptr<LocalInstaller> installer = make_macos_installer(*runner, tools_for(config));
  options.installer = installer.get();
  Progress progress("apply", !reporting.json);
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
      return identified.error();
    }
  }
  std::unique_ptr<emitters::UuidSource> uuids = emitters::system_uuid_source();
  Result<ApplySummary> summary = apply(options, ledger, *lister, *transport, *uuids);
  progress.clear();
  return summary;
}

}  // namespace cmdm::cli
