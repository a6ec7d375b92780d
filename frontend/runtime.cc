// The front end's device-side work (frontend/runtime.h).
#include "frontend/runtime.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>

#include "dispatcher/ledger.h"
#include "dispatcher/process.h"
#include "frontend/listing.h"
#include "plist/file_io.h"

namespace cmdm::frontend {

using namespace cmdm::dispatcher;

namespace {

// Set while the real tool runs: a ProfilesPath that points back at this front end would exec
// itself for ever.
constexpr char kReentryVariable[] = "CMDM_PROFILES_FRONT_END";

int report(const Error& error) {
  std::cerr << error.format();
  return static_cast<int>(error.code);
}

// The sources the ledger holds for the configured target. The ledger is read only here, for a
// listing (pass-through never touches it), read-only and without the apply lock: a listing never
// waits for a running apply.
Result<std::vector<SourceRecord>> target_sources(const DispatcherConfig& config) {
  Result<std::vector<SourceRecord>> all = read_sources(config.ledger_path);
  if (!all) return all.error();
  std::erase_if(*all, [&](const SourceRecord& s) { return s.target != config.target; });
  return all;
}

// The real tool's property list, merged (frontend/listing.h). The ledger is read on a second
// thread while the tool runs: a caller waits for the slower of the two, not for both in turn.
Result<plist::Value> merged_listing(const DispatcherConfig& config,
                                    const ProfilesRequest& request) {
  std::future<Result<std::vector<SourceRecord>>> sources =
      std::async(std::launch::async, [&config] { return target_sources(config); });
  MacosTools tools = tools_for(config);
  std::unique_ptr<ProcessRunner> runner = make_posix_process_runner();
  Result<ProcessOutput> listed =
      runner->run({.argv = {tools.profiles, "-P", "-o", "stdout-xml"}, .timeout = tools.timeout});
  Result<std::vector<SourceRecord>> known = sources.get();
  if (!listed) return listed.error();
  if (listed->exit_status != 0) {
    return Error::make(
        ExitCode::kUnavailable, tools.profiles,
        "listing failed (exit " + std::to_string(listed->exit_status) + "): " + listed->err);
  }
  if (!known) return known.error();
  return merge_listing(listed->out, tools.profiles + " -P -o stdout-xml", *known, request.scope,
                       request.user);
}

}  // namespace

std::string config_path(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("CMDM_CONFIG");
  return env != nullptr && *env != '\0' ? env : kDefaultConfigPath;
}

MacosTools tools_for(const DispatcherConfig& config) {
  MacosTools tools;
  tools.profiles = config.profiles_path;
  return tools;
}

int exec_program(const std::string& program, const std::string& name,
                 const std::vector<std::string>& args) {
  std::vector<char*> argv{const_cast<char*>(name.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  ::execv(program.c_str(), argv.data());
  std::cerr << "profiles: cannot run " << program << ": " << std::strerror(errno) << '\n';
  return static_cast<int>(ExitCode::kUnavailable);
}

int pass_through(const std::string& tool, const std::vector<std::string>& args) {
  if (std::getenv(kReentryVariable) != nullptr) {
    std::cerr << "profiles: ProfilesPath (" << tool
              << ") is this front end again; set it to the real tool, /usr/bin/profiles\n";
    return static_cast<int>(ExitCode::kUsage);
  }
  ::setenv(kReentryVariable, "1", 1);
  return exec_program(tool, tool, args);
}

int list_profiles(const DispatcherConfig& config, const ProfilesRequest& request) {
  Result<plist::Value> listing = merged_listing(config, request);
  if (!listing) return report(listing.error());
  switch (request.format) {
    case ListFormat::kText:
      std::cout << listing_text(*listing, request.scope, request.user);
      return 0;
    case ListFormat::kXml:
      std::cout << listing_xml(*listing);
      return 0;
    case ListFormat::kXmlToFile:
      if (Status written = write_file_atomic(request.output_path, listing_xml(*listing));
          !written) {
        return report(written.error());
      }
      return 0;
  }
  return 0;
}

}  // namespace cmdm::frontend
