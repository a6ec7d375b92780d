// What the `profiles` front end does on the device, shared by the small `profiles` executable
// (frontend/profiles_main.cc) and `cmdm profiles`: finding the configuration, running the real
// tool in place of this process, and printing the merged listing. Nothing here reaches the MDM,
// so the small executable links neither the transport nor the pipeline.
#pragma once

#include <string>
#include <vector>

#include "dispatcher/config.h"
#include "dispatcher/device.h"
#include "frontend/args.h"

namespace cmdm::frontend {

// --config, else CMDM_CONFIG, else the documented default.
std::string config_path(const std::string& given);

// The tools from the configuration (ProfilesPath). They run with the fixed environment alone
// (dispatcher/process.h); a stand-in such as the device emulator finds its state by itself.
dispatcher::MacosTools tools_for(const dispatcher::DispatcherConfig& config);

// Runs `program` with `args` (argv without argv[0]) in place of this process: exec, no shell, the
// caller's environment and standard streams. `name` is argv[0] and the prefix of messages. Returns
// only when it cannot run: ExitCode::kUnavailable, with the reason on stderr.
int exec_program(const std::string& program, const std::string& name,
                 const std::vector<std::string>& args);

// The real tool (ProfilesPath) with the caller's argv. A ProfilesPath that leads back to this
// front end would run itself for ever: the second entry is refused (exit 2).
int pass_through(const std::string& tool, const std::vector<std::string>& args);

// Lists as `request` asks (kList): the real tool's property list merged with the ledger's
// sources for the configured target, printed as text or XML or written to the -o file. Returns
// the exit status, errors reported on stderr.
int list_profiles(const dispatcher::DispatcherConfig& config, const ProfilesRequest& request);

}  // namespace cmdm::frontend
