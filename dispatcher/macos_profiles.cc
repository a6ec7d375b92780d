// Listing, installing and removing profiles with the real `profiles` tool. A zero status is taken
// as "the tool accepted the request", not as proof: apply confirms every change by listing again.
#include "dispatcher/device.h"

namespace cmdm::dispatcher {

namespace {

// The tool's own words, trimmed, for an error message.
std::string tool_words(const ProcessOutput& output) {
  std::string words = output.err.empty() ? output.out : output.err;
  while (!words.empty() && (words.back() == '\n' || words.back() == ' ')) words.pop_back();
  return words.empty() ? "no message" : printable_text(words);
}

Result<ProcessOutput> run_checked(ProcessRunner& runner, const MacosTools& tools,
                                  std::vector<std::string> argv) {
  ProcessRequest request{.argv = std::move(argv), .timeout = tools.timeout};
  Result<ProcessOutput> output = runner.run(request);
  if (!output) return output;
  if (output->exit_status != 0) {
    return Error::make(ExitCode::kUnavailable, request.argv[0],
                       "`" + describe_command(request.argv) + "` failed (status " +
                           std::to_string(output->exit_status) + "): " + tool_words(*output));
  }
  return output;
}

class MacosProfileLister final : public ProfileLister {
 public:
  MacosProfileLister(ProcessRunner& runner, MacosTools tools)
      : runner_(runner), tools_(std::move(tools)) {}

  Result<std::vector<InstalledProfile>> list() override {
    std::vector<std::string> argv =
        tools_.legacy_profiles_verbs
            ? std::vector<std::string>{tools_.profiles, "-P", "-o", "stdout-xml"}
            : std::vector<std::string>{tools_.profiles, "show", "-output", "stdout-xml"};
    const std::string shown = "output of `" + describe_command(argv) + "`";
    Result<ProcessOutput> output = run_checked(runner_, tools_, std::move(argv));
    if (!output) return output.error();
    return parse_profiles_listing(output->out, shown);
  }

 private:
  ProcessRunner& runner_;
  MacosTools tools_;
};

class MacosInstaller final : public LocalInstaller {
 public:
  MacosInstaller(ProcessRunner& runner, MacosTools tools)
      : runner_(runner), tools_(std::move(tools)) {}

  Status install(const std::string& path) override {
    if (path.empty() || path[0] != '/') {
      return Error::make(ExitCode::kInternal, path, "a profile to install needs an absolute path");
    }
    return done(tools_.legacy_profiles_verbs
                    ? run_checked(runner_, tools_, {tools_.profiles, "-I", "-F", path})
                    : run_checked(runner_, tools_, {tools_.profiles, "install", "-path", path}));
  }

  Status remove(const std::string& identifier) override {
    // An identifier starting with '-' would read as an option of `profiles`.
    if (identifier.empty() || identifier[0] == '-') {
      return Error::make(
          ExitCode::kDataError, "",
          "cannot remove a profile with the identifier '" + printable_text(identifier) + "'");
    }
    return done(
        tools_.legacy_profiles_verbs
            ? run_checked(runner_, tools_, {tools_.profiles, "-R", "-p", identifier})
            : run_checked(runner_, tools_, {tools_.profiles, "remove", "-identifier", identifier}));
  }

 private:
  static Status done(const Result<ProcessOutput>& output) {
    if (!output) return output.error();
    return Ok{};
  }

  ProcessRunner& runner_;
  MacosTools tools_;
};

}  // namespace

std::unique_ptr<ProfileLister> make_macos_profile_lister(ProcessRunner& runner, MacosTools tools) {
  return std::make_unique<MacosProfileLister>(runner, std::move(tools));
}

std::unique_ptr<LocalInstaller> make_macos_installer(ProcessRunner& runner, MacosTools tools) {
  return std::make_unique<MacosInstaller>(runner, std::move(tools));
}

}  // namespace cmdm::dispatcher
