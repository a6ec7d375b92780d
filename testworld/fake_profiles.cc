// The emulated /usr/bin/profiles: parses the verb and legacy flag forms, polls for pending
// deliveries, then shows, lists, installs or removes over the device's state directory.
#include "testworld/fake_profiles.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <system_error>

#include "plist/file_io.h"
#include "testworld/device_state.h"
#include "testworld/profiles_output.h"

namespace cmdm::testworld {

namespace {

enum class Verb { kShow, kList, kInstall, kRemove };

struct Invocation {
  Verb verb = Verb::kShow;
  std::string type = "configuration";
  std::string output;  // "", "stdout", "stdout-xml" or a file path
  std::string user;    // empty: the computer level
  std::string path;
  std::string identifier;
};

// The spellings of each option that takes a value (verb form and legacy letter).
struct ValueOption {
  std::string_view flag;
  std::string Invocation::*field;
};
const ValueOption kValueOptions[] = {
    {"-type", &Invocation::type},    {"-output", &Invocation::output},
    {"-o", &Invocation::output},     {"-user", &Invocation::user},
    {"-U", &Invocation::user},       {"-path", &Invocation::path},
    {"-F", &Invocation::path},       {"-identifier", &Invocation::identifier},
    {"-p", &Invocation::identifier},
};

// Verbs, and the legacy letters that stand for them (-P, -C, -L list all, computer and user
// profiles: the same listing here, text unless -o stdout-xml).
struct VerbSpelling {
  std::string_view word;
  Verb verb;
};
constexpr VerbSpelling kVerbs[] = {
    {"show", Verb::kShow},  {"list", Verb::kList},     {"install", Verb::kInstall},
    {"-I", Verb::kInstall}, {"remove", Verb::kRemove}, {"-R", Verb::kRemove},
    {"-P", Verb::kShow},    {"-C", Verb::kShow},       {"-L", Verb::kShow},
};

// Accepted and without effect here: they change only prompts and chatter.
constexpr std::string_view kIgnoredFlags[] = {"-forced", "-f", "-all", "-verbose", "-v", "-quiet"};

Error usage(const std::string& message) { return Error::make(ExitCode::kUsage, "", message); }

Result<Invocation> parse(const std::vector<std::string>& args) {
  Invocation inv;
  bool have_verb = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto option = std::find_if(std::begin(kValueOptions), std::end(kValueOptions),
                               [&](const ValueOption& o) { return o.flag == arg; });
    auto verb = std::find_if(std::begin(kVerbs), std::end(kVerbs),
                             [&](const VerbSpelling& v) { return v.word == arg; });
    if (option != std::end(kValueOptions)) {
      if (i + 1 >= args.size()) return usage("option " + arg + " needs a value");
      inv.*(option->field) = args[++i];
    } else if (verb != std::end(kVerbs)) {
      inv.verb = verb->verb;
      have_verb = true;
    } else if (std::find(std::begin(kIgnoredFlags), std::end(kIgnoredFlags), arg) ==
               std::end(kIgnoredFlags)) {
      return usage("unknown argument \"" + arg + "\"");
    }
  }
  if (!have_verb) return usage("no verb given (show, list, install, remove)");
  if (inv.type != "configuration") {
    return usage("-type " + inv.type + " is not emulated (only configuration)");
  }
  return inv;
}

// Writes the listing where -output says: standard output, or a file.
void emit(const Invocation& inv, const std::string& text, ProfilesRun& run) {
  if (inv.output.empty() || inv.output == "stdout" || inv.output == "stdout-xml") {
    run.out += text;
    return;
  }
  Status written = write_file_atomic(inv.output, text);
  if (!written) {
    run.err += "profiles: " + written.error().format();
    run.exit_code = 1;
  }
}

void show_or_list(const Invocation& inv, const std::vector<InstalledProfile>& all,
                  ProfilesRun& run) {
  // -output stdout-xml, or a file, gives the property list; otherwise the text listing.
  bool xml = !inv.output.empty() && inv.output != "stdout";
  std::vector<InstalledProfile> chosen;
  for (const InstalledProfile& p : all) {
    if (inv.user.empty() || p.owner == inv.user) chosen.push_back(p);
  }
  if (xml) {
    emit(inv, show_xml(chosen), run);
    return;
  }
  emit(inv, list_text(chosen, inv.user.empty() ? kComputerLevel : std::string_view(inv.user)), run);
}

void install(const Invocation& inv, DeviceState& device, ProfilesRun& run) {
  if (inv.path.empty()) {
    run.err += "profiles: install needs -path FILE\n";
    run.exit_code = 1;
    return;
  }
  Result<std::string> bytes = read_file(inv.path);
  if (!bytes) {
    run.err += "profiles: " + bytes.error().format();
    run.exit_code = 1;
    return;
  }
  std::string_view owner = inv.user.empty() ? kComputerLevel : std::string_view(inv.user);
  Result<InstalledProfile> installed =
      device.install(*bytes, unix_now(), InstallSource::kLocal, owner);
  if (!installed) {
    run.err += "profiles: the profile could not be installed: " + installed.error().format();
    run.exit_code = 1;
  }
}

void remove(const Invocation& inv, DeviceState& device, ProfilesRun& run) {
  if (inv.identifier.empty()) {
    run.err += "profiles: remove needs -identifier ID\n";
    run.exit_code = 1;
    return;
  }
  Result<bool> removed = device.remove(inv.identifier);
  if (!removed) {
    run.err += "profiles: " + removed.error().format();
    run.exit_code = 1;
  } else if (!*removed) {
    run.err += "profiles: no profile with identifier \"" + inv.identifier + "\" is installed\n";
    run.exit_code = 1;
  }
}

// macOS 11 removed local installs and removals; the emulator allows them when the state says the
// system is older, so tests can cover both.
bool refuse_local_change(const Invocation& inv, const DeviceState& device, ProfilesRun& run) {
  Result<bool> allowed = device.allows_local_changes();
  if (!allowed) {
    run.err += "profiles: " + allowed.error().format();
    run.exit_code = 1;
    return true;
  }
  if (*allowed) return false;
  run.err += inv.verb == Verb::kInstall
                 ? std::string(kInstallRefused)
                 : "profiles tool no longer supports removals of configuration profiles on this "
                   "system; remove them through the MDM.\n";
  run.exit_code = 1;
  return true;
}

}  // namespace

ProfilesRun run_fake_profiles(const std::vector<std::string>& args, const std::string& device_dir) {
  ProfilesRun run;
  if (device_dir.empty()) {
    run.err = "cmdm-fake-profiles: run it as DEVICE/bin/profiles (make_device) or set " +
              std::string(kDeviceDirEnv) + " to the emulated device's state directory\n";
    run.exit_code = 2;
    return run;
  }
  Result<Invocation> parsed = parse(args);
  if (!parsed) {
    run.err = "profiles: " + parsed.error().diagnostics[0].message + "\n";
    run.exit_code = 1;
    return run;
  }
  Invocation& inv = *parsed;
  Result<DeviceState> device = DeviceState::open(device_dir);
  Result<int> polled = device ? device->apply_pending(unix_now()) : Result<int>(device.error());
  if (!polled) {
    run.err = "profiles: " + polled.error().format();
    run.exit_code = 1;
    return run;
  }
  if (inv.verb == Verb::kInstall || inv.verb == Verb::kRemove) {
    if (refuse_local_change(inv, *device, run)) return run;
    inv.verb == Verb::kInstall ? install(inv, *device, run) : remove(inv, *device, run);
    return run;
  }
  Result<std::vector<InstalledProfile>> all = device->list();
  if (!all) {
    run.err = "profiles: " + all.error().format();
    run.exit_code = 1;
    return run;
  }
  show_or_list(inv, *all, run);
  return run;
}

std::string device_dir_from_invoked_path(const std::string& invoked_path) {
  // Lexical only: the link is the device's, the file it points to is shared by every device.
  const std::filesystem::path path(invoked_path);
  if (path.filename() != "profiles" || path.parent_path().filename() != "bin") return "";
  std::filesystem::path device = path.parent_path().parent_path();
  return device.empty() ? "." : device.string();
}

Result<std::string> make_device(const std::string& device_dir, const std::string& emulator) {
  if (Result<DeviceState> state = DeviceState::open(device_dir); !state) return state.error();
  const std::filesystem::path bin = std::filesystem::path(device_dir) / "bin";
  const std::filesystem::path link = bin / "profiles";
  std::error_code ec;
  std::filesystem::create_directories(bin, ec);
  if (!ec) std::filesystem::remove(link, ec);  // made again: the emulator may have moved
  if (!ec) std::filesystem::create_symlink(std::filesystem::absolute(emulator), link, ec);
  if (ec) {
    return Error::make(ExitCode::kIoError, link.string(),
                       "cannot link the device emulator " + emulator + ": " + ec.message());
  }
  return link.string();
}

}  // namespace cmdm::testworld
