// cmdm-fake-mdm: one fake vendor server as a process, for tests that start the world from outside
// (and for trying a client by hand). Prints the bound port on standard output, serves until
// SIGTERM or SIGINT, then stops cleanly. Flags: docs/testworld.md.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "testworld/fake_mdm.h"

namespace {

using cmdm::testworld::FakeMdmOptions;

constexpr const char* kUsage =
    "usage: cmdm-fake-mdm --vendor workspaceone|micromdm|nanomdm|fleet [--port N]\n"
    "         [--device ID=DIR]... [--device-dir DIR [--udid ID]] [--serial SERIAL=ID]...\n"
    "         [--user-channel ENROLLMENT_ID=DEVICE_ID:USER]... [--delivery now|poll|MS]\n"
    "         [--fault SPEC]... [--threads N] [--fleet-body-limit BYTES] [--log]\n"
    "Credentials come from CMDM_FAKE_USER, CMDM_FAKE_PASSWORD, CMDM_FAKE_TENANT_CODE,\n"
    "CMDM_FAKE_TOKEN, CMDM_FAKE_CLIENT_ID and CMDM_FAKE_CLIENT_SECRET (never argv), else the\n"
    "test defaults of docs/testworld.md.\n";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// One flag and its value; false with a message on error.
bool apply_flag(const std::string& flag, const std::string& value, FakeMdmOptions& o,
                std::string& device_dir, std::string& udid, std::string& error) {
  auto fail = [&](const cmdm::Error& e) {
    error = e.diagnostics.empty() ? "bad value" : e.diagnostics[0].message;
    return false;
  };
  if (flag == "--vendor") {
    auto v = cmdm::testworld::parse_vendor(value);
    if (!v) return fail(v.error());
    o.vendor = *v;
  } else if (flag == "--port") {
    o.port = std::atoi(value.c_str());
  } else if (flag == "--device") {
    std::size_t eq = value.find('=');
    if (eq == std::string::npos) return (error = "--device wants ID=DIR", false);
    o.devices[value.substr(0, eq)] = value.substr(eq + 1);
  } else if (flag == "--serial") {
    std::size_t eq = value.find('=');
    if (eq == std::string::npos) return (error = "--serial wants SERIAL=ID", false);
    o.serials[value.substr(0, eq)] = value.substr(eq + 1);
  } else if (flag == "--user-channel") {
    std::size_t eq = value.find('='), colon = value.rfind(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
      return (error = "--user-channel wants ENROLLMENT_ID=DEVICE_ID:USER", false);
    }
    o.user_channels[value.substr(0, eq)] = {.device = value.substr(eq + 1, colon - eq - 1),
                                            .user = value.substr(colon + 1)};
  } else if (flag == "--device-dir") {
    device_dir = value;
  } else if (flag == "--udid") {
    udid = value;
  } else if (flag == "--delivery") {
    auto d = cmdm::testworld::parse_delivery_policy(value);
    if (!d) return fail(d.error());
    o.delivery = *d;
  } else if (flag == "--fault") {
    auto f = cmdm::testworld::parse_fault(value);
    if (!f) return fail(f.error());
    o.faults.push_back(*f);
  } else if (flag == "--threads") {
    o.threads = std::atoi(value.c_str());
  } else if (flag == "--fleet-body-limit") {
    o.fleet_body_limit = std::strtoull(value.c_str(), nullptr, 10);
  } else {
    return (error = "unknown option " + flag, false);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  FakeMdmOptions options;
  std::string device_dir, udid = "TESTWORLD-0000-0000-0000-000000000001", error;
  bool have_vendor = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--log") {
      options.log_requests = true;
      continue;
    }
    if (flag == "--help" || i + 1 >= argc) {
      std::fputs(kUsage, flag == "--help" ? stdout : stderr);
      return flag == "--help" ? 0 : 2;
    }
    have_vendor |= flag == "--vendor";
    if (!apply_flag(flag, argv[++i], options, device_dir, udid, error)) {
      std::fprintf(stderr, "cmdm-fake-mdm: %s\n%s", error.c_str(), kUsage);
      return 2;
    }
  }
  if (!have_vendor) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (!device_dir.empty()) options.devices[udid] = device_dir;
  options.credentials = {.username = env("CMDM_FAKE_USER"),
                         .password = env("CMDM_FAKE_PASSWORD"),
                         .tenant_code = env("CMDM_FAKE_TENANT_CODE"),
                         .token = env("CMDM_FAKE_TOKEN"),
                         .client_id = env("CMDM_FAKE_CLIENT_ID"),
                         .client_secret = env("CMDM_FAKE_CLIENT_SECRET")};
  // The server's threads inherit this mask, so only sigwait below sees SIGTERM and SIGINT.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  auto server = cmdm::testworld::FakeMdm::start(std::move(options));
  if (!server) {
    std::fprintf(stderr, "cmdm-fake-mdm: %s", server.error().format().c_str());
    return static_cast<int>(server.error().code);
  }
  std::printf("%d\n", (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*server)->stop();
  return 0;
}
