// Wires an apply to the real device tools, facts and transport (cli/apply_setup.h).
#include "cli/apply_setup.h"

#include <cstdlib>
#include <iostream>

#include "dispatcher/process.h"

namespace cmdm::cli {

using namespace cmdm::dispatcher;

namespace {

// DeviceID from the configuration, else the fact DeviceIdentity names.
Result<std::string> device_id(const DispatcherConfig& config, ProcessRunner& runner) {
  if (!config.device_id.empty()) return config.device_id;
  if (config.identity == DeviceIdentity::kLookup) {
    return Error::make(ExitCode::kDataError, "",
                       "DeviceIdentity lookup is not supported by apply yet; use serial, udid "
                       "or DeviceID");
  }
  Result<DeviceFacts> facts = make_macos_fact_source(runner, tools_for(config))->facts();
  if (!facts) return facts.error();
  return config.identity == DeviceIdentity::kUdid ? facts->udid : facts->serial_number;
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

Result<ApplySummary> run_configured_apply(ApplyOptions options, Ledger& ledger) {
  std::unique_ptr<ProcessRunner> runner = make_posix_process_runner();
  Result<std::string> id = device_id(options.config, *runner);
  if (!id) return id.error();
  options.device_id = *id;
  std::unique_ptr<ProfileLister> lister =
      make_macos_profile_lister(*runner, tools_for(options.config));
  std::unique_ptr<Transport> transport = make_curl_transport(transport_options(options.config));
  std::unique_ptr<emitters::UuidSource> uuids = emitters::system_uuid_source();
  return apply(options, ledger, *lister, *transport, *uuids);
}

}  // namespace cmdm::cli
