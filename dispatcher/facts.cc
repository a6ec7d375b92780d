// The device's facts from the tools every Mac has: sw_vers, sysctl, ioreg, scutil, hostname,
// stat and uname. Each tool's output format has its own small parser, tested on recorded output.
#include <cctype>

#include "dispatcher/device.h"

namespace cmdm::dispatcher {

namespace {

Error bad_output(const std::string& tool, const std::string& what) {
  return Error::make(ExitCode::kDataError, tool, "unexpected output: " + what);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls `each(line)` for every line of `text`.
template <typename Each>
void for_each_line(std::string_view text, Each each) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    each(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

}  // namespace

// "ProductName:\t\tmacOS\nProductVersion:\t\t14.4.1\nBuildVersion:\t\t23E224\n"
Result<SwVers> parse_sw_vers(std::string_view out, const std::string& tool) {
  SwVers vers;
  for_each_line(out, [&](std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "ProductVersion") vers.product_version = value;
    if (key == "BuildVersion") vers.build_version = value;
  });
  if (vers.product_version.empty() || vers.build_version.empty()) {
    return bad_output(tool, "no ProductVersion or BuildVersion line");
  }
  return vers;
}

// Lines such as `    "IOPlatformSerialNumber" = "C02XL0GZJGH5"` inside the device's braces.
Result<PlatformIds> parse_ioreg_platform(std::string_view out, const std::string& tool) {
  PlatformIds ids;
  for_each_line(out, [&](std::string_view line) {
    line = trim(line);
    const std::size_t eq = line.find("\" = \"");
    if (line.size() < 7 || line.front() != '"' || line.back() != '"' ||
        eq == std::string_view::npos) {
      return;
    }
    const std::string_view key = line.substr(1, eq - 1);
    const std::string_view value = line.substr(eq + 5, line.size() - eq - 6);
    if (key == "IOPlatformSerialNumber") ids.serial_number = value;
    if (key == "IOPlatformUUID") ids.uuid = value;
  });
  if (ids.serial_number.empty() || ids.uuid.empty()) {
    return bad_output(tool, "no IOPlatformSerialNumber or IOPlatformUUID");
  }
  return ids;
}

Result<std::string> parse_single_line(std::string_view out, const std::string& tool) {
  if (!out.empty() && out.back() == '\n') out.remove_suffix(1);
  if (out.empty()) return bad_output(tool, "nothing");
  if (out.find('\n') != std::string_view::npos) return bad_output(tool, "more than one line");
  return std::string(out);
}

namespace {

class MacosFactSource final : public FactSource {
 public:
  MacosFactSource(ProcessRunner& runner, MacosTools tools)
      : runner_(runner), tools_(std::move(tools)) {}

  Result<DeviceFacts> facts() override {
    DeviceFacts facts;
    Result<SwVers> vers = run_parsed(parse_sw_vers, {tools_.sw_vers});
    if (!vers) return vers.error();
    facts.os_version = vers->product_version;
    facts.build = vers->build_version;
    Result<PlatformIds> ids =
        run_parsed(parse_ioreg_platform, {tools_.ioreg, "-rd1", "-c", "IOPlatformExpertDevice"});
    if (!ids) return ids.error();
    facts.serial_number = ids->serial_number;
    facts.udid = ids->uuid;
    const Status lines = single_lines(facts);
    if (!lines) return lines.error();
    return facts;
  }

 private:
  Status single_lines(DeviceFacts& facts) {
    struct Line {
      std::vector<std::string> argv;
      std::string* out;
    };
    const Line lines[] = {
        {{tools_.sysctl, "-n", "hw.model"}, &facts.model},
        {{tools_.hostname}, &facts.hostname},
        {{tools_.scutil, "--get", "ComputerName"}, &facts.computer_name},
        {{tools_.stat, "-f%Su", "/dev/console"}, &facts.console_user},
        {{tools_.uname, "-m"}, &facts.arch},
    };
    for (const Line& line : lines) {
      Result<std::string> value = run_parsed(parse_single_line, line.argv);
      if (!value) return value.error();
      *line.out = std::move(*value);
    }
    // At the login window /dev/console belongs to root (or the setup assistant's user): nobody
    // is logged in, which is what templates and routes need to know.
    if (facts.console_user == "root" || facts.console_user == "loginwindow" ||
        facts.console_user == "_mbsetupuser") {
      facts.console_user.clear();
    }
    if (facts.arch == "x86_64" && runs_on_apple_silicon()) facts.arch = "arm64";
    return Ok{};
  }

  // Under Rosetta uname says x86_64; the hardware answers hw.optional.arm64 = 1. On Intel Macs
  // the name does not exist and sysctl fails, which means "no".
  bool runs_on_apple_silicon() {
    Result<ProcessOutput> out = runner_.run(
        {.argv = {tools_.sysctl, "-n", "hw.optional.arm64"}, .timeout = tools_.timeout});
    return out && out->exit_status == 0 && trim(out->out) == "1";
  }

  template <typename T>
  Result<T> run_parsed(Result<T> (*parse)(std::string_view, const std::string&),
                       std::vector<std::string> argv) {
    const std::string shown = "`" + describe_command(argv) + "`";
    Result<ProcessOutput> out = runner_.run({.argv = std::move(argv), .timeout = tools_.timeout});
    if (!out) return out.error();
    if (out->exit_status != 0) {
      return Error::make(ExitCode::kUnavailable, "",
                         shown + " failed with status " + std::to_string(out->exit_status));
    }
    return parse(out->out, shown);
  }

  ProcessRunner& runner_;
  MacosTools tools_;
};

}  // namespace

std::unique_ptr<FactSource> make_macos_fact_source(ProcessRunner& runner, MacosTools tools) {
  return std::make_unique<MacosFactSource>(runner, std::move(tools));
}

}  // namespace cmdm::dispatcher
