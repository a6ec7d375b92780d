// The emulated /usr/bin/profiles: parses the verb and legacy flag forms, polls for pending
// deliveries, then shows, lists, installs or removes over the device's state directory.
#include "testworld/fake_profiles.h"

#include <variant>

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

struct ParseError {
  std::string message;
};

// Options that take a value, in both spellings (verb form and legacy letters).
bool takes_value(std::string_view flag, Invocation& inv, std::string** into) {
  if (flag == "-type")
    *into = &inv.type;
  else if (flag == "-output" || flag == "-o")
    *into = &inv.output;
  else if (flag == "-user" || flag == "-U")
    *into = &inv.user;
  else if (flag == "-path" || flag == "-F")
    *into = &inv.path;
  else if (flag == "-identifier" || flag == "-p")
    *into = &inv.identifier;
  else
    return false;
  return true;
}

// The first argument chooses the verb; legacy letters may come anywhere.
bool set_verb(std::string_view arg, Invocation& inv) {
  if (arg == "show")
    inv.verb = Verb::kShow;
  else if (arg == "list")
    inv.verb = Verb::kList;
  else if (arg == "install" || arg == "-I")
    inv.verb = Verb::kInstall;
  else if (arg == "remove" || arg == "-R")
    inv.verb = Verb::kRemove;
  // Legacy listings (all, computer, user): the same listing, text unless -o stdout-xml.
  else if (arg == "-P" || arg == "-C" || arg == "-L")
    inv.verb = Verb::kShow;
  else
    return false;
  return true;
}

std::variant<Invocation, ParseError> parse(const std::vector<std::string>& args) {
  Invocation inv;
  if (args.empty()) return ParseError{"no verb given (show, list, install, remove)"};
  bool have_verb = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::string* into = nullptr;
    if (takes_value(arg, inv, &into)) {
      if (i + 1 >= args.size()) return ParseError{"option " + arg + " needs a value"};
      *into = args[++i];
    } else if (set_verb(arg, inv)) {
      have_verb = true;
    } else if (arg == "-forced" || arg == "-f" || arg == "-all" || arg == "-verbose" ||
               arg == "-v" || arg == "-quiet") {
      continue;  // accepted and without effect here, as they change only prompts and chatter
    } else {
      return ParseError{"unknown argument \"" + arg + "\""};
    }
  }
  if (!have_verb) return ParseError{"no verb given (show, list, install, remove)"};
  if (inv.type != "configuration") {
    return ParseError{"-type " + inv.type + " is not emulated (only configuration)"};
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
    run.err = "cmdm-fake-profiles: set " + std::string(kDeviceDirEnv) +
              " to the emulated device's state directory\n";
    run.exit_code = 2;
    return run;
  }
  auto parsed = parse(args);
  if (auto* bad = std::get_if<ParseError>(&parsed)) {
    run.err = "profiles: " + bad->message + "\n";
    run.exit_code = 1;
    return run;
  }
  Invocation inv = std::get<Invocation>(std::move(parsed));
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

}  // namespace cmdm::testworld
