// `cmdm relay serve|publish|audit`: the HTTPS service that holds the MDM's credentials and
// forwards only what a signed build published, for the device its client certificate names
// (relay/, docs/relay.md). `serve` runs in the foreground until SIGTERM (drains) and reloads its
// configuration and policy on SIGHUP.
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "relay/config.h"
#include "relay/metrics.h"
#include "relay/monitor.h"
#include "relay/policy.h"
#include "relay/publish.h"
#include "relay/server.h"
#include "relay/service.h"
#include "relay/store.h"

namespace cmdm::cli {
namespace {

using namespace cmdm::relay;

std::mutex log_mutex;

// One line to stderr, whole (lines from several threads never interleave).
void log_line(std::string_view line) {
  std::lock_guard lock(log_mutex);
  std::cerr << line << '\n' << std::flush;
}

Result<std::unique_ptr<Store>> open_state(const RelayConfig& config) {
  ::mkdir(config.state_dir.c_str(), 0700);
  struct stat st;
  if (::stat(config.state_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error::make(ExitCode::kIoError, config.state_dir, "cannot create the StateDir");
  }
  return open_sqlite_store(config.state_dir + "/relay.sqlite");
}

// Publishes what appeared in the watched directory since the last look (by name and mtime).
void watch_once(const RelayConfig& config, Store& store, const std::string& dir,
                std::set<std::string>& seen) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".cmdm") continue;
    const std::string key = entry.path().string() + "@" +
                            std::to_string(entry.last_write_time(ec).time_since_epoch().count());
    if (!seen.insert(key).second) continue;
    Result<Published> p = publish_bundle(config, store, entry.path().string());
    log_line(p ? "published " + entry.path().string() + " as " + p->manifest_sha256
               : p.error().format());
  }
}

// Reloads configuration and policy (SIGHUP); on an error the running ones stay.
void reload(const std::string& path, Server& server, Service& service, Forwarder& forwarder,
            std::shared_ptr<const RelayConfig>& current) {
  Result<RelayConfig> config = load_relay_config(path);
  Result<Policy> policy =
      config ? load_policy(config->policy_path) : Result<Policy>(config.error());
  if (!config || !policy) {
    log_line("reload refused, keeping the running configuration: " +
             (config ? policy.error() : config.error()).format());
    return;
  }
  if (Status tls = server.reload(*config); !tls) {
    log_line("reload refused, keeping the running configuration: " + tls.error().format());
    return;
  }
  current = std::make_shared<const RelayConfig>(std::move(*config));
  forwarder.reload(current->vendor);
  service.reload(current, std::make_shared<const Policy>(std::move(*policy)));
  log_line("reloaded " + path);
}

int serve(const std::string& path, const std::string& watch_dir) {
  Result<RelayConfig> loaded = load_relay_config(path);
  if (!loaded) return report(loaded.error());
  auto config = std::make_shared<const RelayConfig>(std::move(*loaded));
  Result<Policy> policy = load_policy(config->policy_path);
  if (!policy) return report(policy.error());
  Result<std::unique_ptr<Store>> store = open_state(*config);
  if (!store) return report(store.error());
  if (Status s = (*store)->fail_interrupted(); !s) return report(s.error());
  // Signals are taken by sigwait below; every thread started from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Metrics metrics;
  std::unique_ptr<Forwarder> forwarder = make_vendor_forwarder(config->vendor);
  Service service(config, std::make_shared<const Policy>(std::move(*policy)), **store, *forwarder,
                  metrics);
  Result<std::unique_ptr<Server>> server = Server::start(*config, service, metrics, log_line);
  if (!server) return report(server.error());
  log_line("cmdm relay: listening on " + config->listen_host + ":" +
           std::to_string((*server)->port()) + " for " + config->vendor.target);
  // The monitoring port: bound once at start (a reload does not move it).
  std::unique_ptr<MonitorServer> monitor;
  if (!config->metrics_host.empty()) {
    Result<std::unique_ptr<MonitorServer>> started =
        MonitorServer::start(config->metrics_host, config->metrics_port, metrics);
    if (!started) return report(started.error());
    monitor = std::move(*started);
    log_line("cmdm relay: metrics on " + config->metrics_host + ":" +
             std::to_string(monitor->port()) + " (/healthz, /metrics)");
  }
  std::set<std::string> seen;
  for (;;) {
    if (!watch_dir.empty()) watch_once(*config, **store, watch_dir, seen);
    timespec wait{.tv_sec = 2, .tv_nsec = 0};
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGHUP) reload(path, **server, service, *forwarder, config);
    if (sig == SIGTERM || sig == SIGINT) break;
  }
  log_line("cmdm relay: draining");
  (*server)->drain(config->limits.drain_timeout);
  log_line("cmdm relay: stopped");
  return 0;
}

int publish(const std::string& path, const std::string& what) {
  Result<RelayConfig> config = load_relay_config(path);
  if (!config) return report(config.error());
  Result<std::unique_ptr<Store>> store = open_state(*config);
  if (!store) return report(store.error());
  if (std::filesystem::is_directory(what)) {
    int failures = 0;
    publish_directory(*config, **store, what, [&](const std::string& line) {
      if (line.rfind("published ", 0) == 0) {
        std::cout << line << '\n';
      } else {
        std::cerr << line;
        ++failures;
      }
    });
    return failures == 0 ? 0 : 1;
  }
  Result<Published> p = publish_bundle(*config, **store, what);
  if (!p) return report(p.error());
  std::cout << "published " << what << " as " << p->manifest_sha256 << " (" << p->parts
            << " parts for " << config->vendor.target << ")\n";
  return 0;
}

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int audit(const std::string& path, const std::string& device, bool as_json) {
  Result<RelayConfig> config = load_relay_config(path);
  if (!config) return report(config.error());
  Result<std::unique_ptr<Store>> store = open_state(*config);
  if (!store) return report(store.error());
  Result<std::vector<AuditEntry>> entries = (*store)->audit(device);
  if (!entries) return report(entries.error());
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const AuditEntry& e : *entries) {
      out.push_back({{"at", utc(e.at)},
                     {"device", e.device},
                     {"request", e.request},
                     {"decision", e.decision},
                     {"reason", e.reason},
                     {"sent", e.sent},
                     {"vendor_answer", e.vendor_answer},
                     {"request_id", e.request_id}});
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  for (const AuditEntry& e : *entries) {
    std::cout << utc(e.at) << "  " << e.decision << "  " << e.request;
    if (!e.vendor_answer.empty()) std::cout << "  vendor " << e.vendor_answer;
    if (!e.reason.empty()) std::cout << "  (" << e.reason << ")";
    if (!e.sent.empty()) std::cout << "  sent " << e.sent;
    std::cout << '\n';
  }
  if (entries->empty()) std::cout << "no audit entries for " << device << '\n';
  return 0;
}

}  // namespace

int run_relay(const Args& args) {
  po::options_description options("relay options");
  std::string action, operand, config_file, device, watch_dir;
  // clang-format off
  options.add_options()
      ("config", po::value(&config_file), "the relay's configuration property list (required)")
      ("device", po::value(&device), "audit: the device (its certificate's identity)")
      ("watch", po::value(&watch_dir), "serve: publish bundles that appear in this directory")
      ("json", "audit: print JSON")
      ("action", po::value(&action), "serve, publish or audit")
      ("operand", po::value(&operand), "publish: a bundle, or a directory of bundles");
  // clang-format on
  po::positional_options_description positional;
  positional.add("action", 1).add("operand", 1);
  po::variables_map vm;
  if (auto code = parse_options("relay",
                                "serve|publish|audit [BUNDLE|DIR] --config F [--device SERIAL] "
                                "[--watch DIR] [--json]",
                                options, positional, args, vm)) {
    return *code;
  }
  if (config_file.empty()) return usage_error("relay", "--config FILE is required");
  if (action == "serve") return serve(config_file, watch_dir);
  if (action == "publish") {
    if (operand.empty()) return usage_error("relay", "publish needs a BUNDLE or a directory");
    return publish(config_file, operand);
  }
  if (action == "audit") {
    if (device.empty()) return usage_error("relay", "audit needs --device SERIAL");
    return audit(config_file, device, vm.count("json") > 0);
  }
  return usage_error("relay", action.empty() ? "expected serve, publish or audit"
                                             : "unknown action '" + action +
                                                   "' (expected serve, publish or audit)");
}

}  // namespace cmdm::cli
