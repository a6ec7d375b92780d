// Reads the dispatcher's configuration plist: every key checked for its type and range, unknown
// keys refused with "did you mean", and the keys each route and target need required. The
// permission checks of load_config keep credentials from other local users.
#include "dispatcher/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "dispatcher/private_files.h"
#include "emitters/targets.h"
#include "plist/file_io.h"
#include "plist/reader.h"
#include "plist/settings_reader.h"

namespace cmdm::dispatcher {

std::string_view route_name(Route route) { return route == Route::kDirect ? "direct" : "relay"; }

std::string_view identity_name(DeviceIdentity identity) {
  switch (identity) {
    case DeviceIdentity::kSerial:
      return "serial";
    case DeviceIdentity::kUdid:
      return "udid";
    case DeviceIdentity::kLookup:
      return "lookup";
  }
  return "serial";
}

bool DispatcherConfig::holds_secrets() const {
  return workspace_one.has_value() || !micromdm_api_key.empty() || !nanomdm_api_key.empty() ||
         !fleet_token.empty();
}

namespace {

using plist::KeyPath;
using plist::Value;

// The keys of each dict, in the order docs/dispatcher.md lists them.
const std::vector<std::string> kTopKeys = {
    "Route",   "Target",     "ServerURL",    "DeviceIdentity", "WorkspaceONE",   "MicroMDM",
    "NanoMDM", "Fleet",      "Relay",        "CABundle",       "ConnectTimeout", "Timeout",
    "Retries", "LedgerPath", "ProfilesPath", "DeviceID"};
const std::vector<std::string> kWorkspaceOneKeys = {"Username", "Password",     "TenantCode",
                                                    "ClientID", "ClientSecret", "TokenURL"};
const std::vector<std::string> kApiKeyKeys = {"APIKey"};
const std::vector<std::string> kNanoMdmKeys = {"APIKey", "UserEnrollmentIDs"};
const std::vector<std::string> kFleetKeys = {"Token"};
const std::vector<std::string> kRelayKeys = {"ClientCertificate", "ClientKey"};
const std::vector<std::string> kRetryKeys = {"MaxAttempts", "BaseDelay", "MaxDelay"};

// The targets the dispatcher can send to (the others are build outputs only).
const std::vector<std::string> kSendableTargets = {"workspaceone", "micromdm",       "nanomdm",
                                                   "fleet",        "fleet-profiles", "local"};

class ConfigReader {
 public:
  ConfigReader(const plist::Document& doc, std::string file)
      : doc_(doc), r_(doc, std::move(file), {.key_listing = "(docs/dispatcher.md lists them)"}) {}

  Result<DispatcherConfig> read() {
    const Value& root = doc_.root;
    if (!root.is_dict()) return r_.error(root, {}, "the configuration must be a dict");
    DispatcherConfig config;
    // Misspelt keys first: a typo otherwise surfaces as a confusing "missing key" later.
    if (Status s = check_all_keys(root); !s) return s.error();
    // Each step reads its keys into `config`; check_needs then checks what they left.
    using Step = Status (ConfigReader::*)(const Value&, DispatcherConfig&);
    for (Step step : {&ConfigReader::read_route_and_target, &ConfigReader::read_vendors,
                      &ConfigReader::read_transport, &ConfigReader::read_paths}) {
      if (Status s = (this->*step)(root, config); !s) return s.error();
    }
    if (Status s = check_needs(root, config); !s) return s.error();
    return config;
  }

 private:
  Status check_all_keys(const Value& root) {
    if (Status s = r_.check_keys(root, {}, kTopKeys); !s) return s;
    const std::pair<const char*, const std::vector<std::string>*> sections[] = {
        {"WorkspaceONE", &kWorkspaceOneKeys},
        {"MicroMDM", &kApiKeyKeys},
        {"NanoMDM", &kNanoMdmKeys},
        {"Fleet", &kFleetKeys},
        {"Relay", &kRelayKeys},
        {"Retries", &kRetryKeys}};
    for (const auto& [name, keys] : sections) {
      const Value* v = root.get(name);
      if (v == nullptr || !v->is_dict()) continue;  // a wrong type is reported where it is read
      if (Status s = r_.check_keys(*v, KeyPath().key(name), *keys); !s) return s;
    }
    return Ok{};
  }

  Status secret(const Value& dict, const KeyPath& path, std::string_view key, Secret* out) {
    std::string value;
    if (Status s = r_.string(dict, path, key, &value); !s) return s;
    *out = Secret(std::move(value));
    return Ok{};
  }

  // Seconds as an integer or a real, within [min, max], as milliseconds.
  Status seconds(const Value& dict, const KeyPath& path, std::string_view key, double min,
                 double max, std::chrono::milliseconds* out) {
    Result<std::optional<double>> s =
        r_.number(dict, path, key, min, max, "a number of seconds",
                  "expected seconds from " + number(min) + " to " + number(max));
    if (!s) return s.error();
    if (*s) *out = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(**s * 1000)));
    return Ok{};
  }

  static std::string number(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  }

  Status read_route_and_target(const Value& root, DispatcherConfig& config) {
    Result<std::size_t> route =
        r_.choice(root, {}, "Route", "route", {"direct", "relay"}, "(direct, relay)");
    if (!route) return route.error();
    if (*route == 2) return r_.error(root, {}, "the configuration has no Route (direct or relay)");
    config.route = *route == 0 ? Route::kDirect : Route::kRelay;
    Result<std::size_t> identity =
        r_.choice(root, {}, "DeviceIdentity", "device identity", {"serial", "udid", "lookup"},
                  "(serial, udid, lookup)");
    if (!identity) return identity.error();
    if (*identity < 3) config.identity = static_cast<DeviceIdentity>(*identity);
    return read_target(root, config);
  }

  Status read_target(const Value& root, DispatcherConfig& config) {
    if (Status s = r_.string(root, {}, "Target", &config.target); !s) return s;
    const Value* v = root.get("Target");
    if (v == nullptr) return r_.error(root, {}, "the configuration has no Target");
    Result<const emitters::Target*> known = emitters::find_target(config.target);
    if (!known) return r_.error(*v, KeyPath().key("Target"), known.error().diagnostics[0].message);
    if (std::find(kSendableTargets.begin(), kSendableTargets.end(), config.target) ==
        kSendableTargets.end()) {
      return r_.error(
          *v, KeyPath().key("Target"),
          "the dispatcher cannot send to target '" + config.target +
              "'; it sends to workspaceone, micromdm, nanomdm, fleet, fleet-profiles and "
              "local");
    }
    if (Status s = r_.string(root, {}, "ServerURL", &config.server_url); !s) return s;
    if (const Value* url = root.get("ServerURL")) {
      if (Status s = check_server_url(config.server_url); !s) {
        return r_.error(*url, KeyPath().key("ServerURL"), s.error().diagnostics[0].message);
      }
    }
    return Ok{};
  }

  // A section (a dict, its keys already checked); nullptr when absent.
  Result<const Value*> section(const Value& root, std::string_view name) {
    return r_.typed(root, {}, name, plist::Type::kDict);
  }

  Status read_vendors(const Value& root, DispatcherConfig& config) {
    if (Status s = read_workspace_one(root, config); !s) return s;
    struct Single {
      std::string_view section;
      const std::vector<std::string>& keys;
      Secret* out;
    };
    for (const Single& vendor : {Single{"MicroMDM", kApiKeyKeys, &config.micromdm_api_key},
                                 Single{"NanoMDM", kNanoMdmKeys, &config.nanomdm_api_key},
                                 Single{"Fleet", kFleetKeys, &config.fleet_token}}) {
      Result<const Value*> v = section(root, vendor.section);
      if (!v) return v.error();
      if (*v == nullptr) continue;
      const KeyPath path = KeyPath().key(vendor.section);
      if (Status s = secret(**v, path, vendor.keys[0], vendor.out); !s) return s;
      if (vendor.out->empty()) return r_.error(**v, path, "the section has no " + vendor.keys[0]);
    }
    if (Status s = read_user_enrollment_ids(root, config); !s) return s;
    return read_relay(root, config);
  }

  // NanoMDM UserEnrollmentIDs: short user name → the enrollment id of that user's channel.
  Status read_user_enrollment_ids(const Value& root, DispatcherConfig& config) {
    const Value* nano = root.get("NanoMDM");
    if (nano == nullptr || !nano->is_dict()) return Ok{};
    const KeyPath path = KeyPath().key("NanoMDM").key("UserEnrollmentIDs");
    Result<const Value*> ids =
        r_.typed(*nano, KeyPath().key("NanoMDM"), "UserEnrollmentIDs", plist::Type::kDict);
    if (!ids) return ids.error();
    if (*ids == nullptr) return Ok{};
    for (const auto& entry : (*ids)->as_dict()) {
      if (!entry.value.is_string() || entry.value.as_string().empty()) {
        return r_.error(entry.value, path.key(entry.key),
                        "expected the user channel's enrollment id (a non-empty string)");
      }
      config.nanomdm_user_enrollment_ids[entry.key] = entry.value.as_string();
    }
    return Ok{};
  }

  Status read_workspace_one(const Value& root, DispatcherConfig& config) {
    Result<const Value*> v = section(root, "WorkspaceONE");
    if (!v || *v == nullptr) return v ? Status(Ok{}) : Status(v.error());
    const Value& dict = **v;
    const KeyPath path = KeyPath().key("WorkspaceONE");
    WorkspaceOneCredentials c;
    for (Status s : {r_.string(dict, path, "Username", &c.username),
                     secret(dict, path, "Password", &c.password),
                     secret(dict, path, "TenantCode", &c.tenant_code),
                     r_.string(dict, path, "ClientID", &c.client_id),
                     secret(dict, path, "ClientSecret", &c.client_secret),
                     r_.string(dict, path, "TokenURL", &c.token_url)}) {
      if (!s) return s;
    }
    const bool basic = !c.username.empty() || !c.password.empty();
    const bool oauth = !c.client_id.empty() || !c.client_secret.empty() || !c.token_url.empty();
    if (basic == oauth) {
      return r_.error(dict, path,
                      "give either Username, Password and TenantCode (basic authentication) or "
                      "ClientID, ClientSecret and TokenURL (OAuth2), not both or neither");
    }
    if (basic && (c.username.empty() || c.password.empty() || c.tenant_code.empty())) {
      return r_.error(dict, path, "basic authentication needs Username, Password and TenantCode");
    }
    if (oauth && (c.client_id.empty() || c.client_secret.empty() || c.token_url.empty())) {
      return r_.error(dict, path, "OAuth2 needs ClientID, ClientSecret and TokenURL");
    }
    if (oauth) {
      if (Status s = check_server_url(c.token_url); !s) {
        return r_.error(*dict.get("TokenURL"), path.key("TokenURL"),
                        s.error().diagnostics[0].message);
      }
    }
    config.workspace_one = std::move(c);
    return Ok{};
  }

  Status read_relay(const Value& root, DispatcherConfig& config) {
    Result<const Value*> v = section(root, "Relay");
    if (!v || *v == nullptr) return v ? Status(Ok{}) : Status(v.error());
    const KeyPath path = KeyPath().key("Relay");
    RelayCredentials relay;
    for (Status s : {r_.absolute_path(**v, path, "ClientCertificate", &relay.client_certificate),
                     r_.absolute_path(**v, path, "ClientKey", &relay.client_key)}) {
      if (!s) return s;
    }
    if (relay.client_certificate.empty() || relay.client_key.empty()) {
      return r_.error(**v, path, "the relay needs ClientCertificate and ClientKey");
    }
    config.relay = std::move(relay);
    return Ok{};
  }

  Status read_transport(const Value& root, DispatcherConfig& config) {
    const KeyPath retries_path = KeyPath().key("Retries");
    Result<const Value*> retries = section(root, "Retries");
    if (!retries) return retries.error();
    for (Status s : {r_.absolute_path(root, {}, "CABundle", &config.ca_bundle),
                     seconds(root, {}, "ConnectTimeout", 0.1, 300, &config.connect_timeout),
                     seconds(root, {}, "Timeout", 0.1, 3600, &config.timeout)}) {
      if (!s) return s;
    }
    if (*retries == nullptr) return Ok{};
    const Value& dict = **retries;
    for (Status s : {seconds(dict, retries_path, "BaseDelay", 0, 60, &config.retry.base_delay),
                     seconds(dict, retries_path, "MaxDelay", 0, 3600, &config.retry.max_delay)}) {
      if (!s) return s;
    }
    if (config.retry.max_delay < config.retry.base_delay) {
      return r_.error(*dict.get("MaxDelay"), retries_path.key("MaxDelay"),
                      "MaxDelay is shorter than BaseDelay");
    }
    return max_attempts(dict, retries_path, config);
  }

  Status max_attempts(const Value& dict, const KeyPath& path, DispatcherConfig& config) {
    Result<std::optional<std::int64_t>> n =
        r_.integer(dict, path, "MaxAttempts", 1, 10, "expected 1 to 10 attempts");
    if (!n) return n.error();
    if (*n) config.retry.max_attempts = static_cast<int>(**n);
    return Ok{};
  }

  Status read_paths(const Value& root, DispatcherConfig& config) {
    if (Status s = r_.absolute_path(root, {}, "LedgerPath", &config.ledger_path); !s) return s;
    if (Status s = r_.absolute_path(root, {}, "ProfilesPath", &config.profiles_path); !s) return s;
    return r_.string(root, {}, "DeviceID", &config.device_id);
  }

  // What the route and the target need, and what the relay route must not hold.
  Status check_needs(const Value& root, const DispatcherConfig& config) {
    const bool local = config.target == "local";
    if (config.server_url.empty() && !(local && config.route == Route::kDirect)) {
      return r_.error(root, {}, "the configuration has no ServerURL");
    }
    if (config.route == Route::kRelay) {
      for (const char* vendor : {"WorkspaceONE", "MicroMDM", "NanoMDM", "Fleet"}) {
        if (const Value* v = root.get(vendor)) {
          return r_.error(*v, KeyPath().key(vendor),
                          "vendor credentials belong on the relay, not on the device; remove this "
                          "section or use Route direct");
        }
      }
      if (!config.relay) return r_.error(root, {}, "the relay route needs a Relay section");
      return Ok{};
    }
    const char* needed = config.target == "workspaceone"     ? "WorkspaceONE"
                         : config.target == "micromdm"       ? "MicroMDM"
                         : config.target == "nanomdm"        ? "NanoMDM"
                         : config.target == "fleet"          ? "Fleet"
                         : config.target == "fleet-profiles" ? "Fleet"
                                                             : nullptr;
    if (needed != nullptr && root.get(needed) == nullptr) {
      return r_.error(root, {},
                      "the direct route to " + config.target + " needs a " + needed + " section");
    }
    return check_lookup(root, config);
  }

  // DeviceIdentity lookup asks the vendor's inventory for the serial number's device id; NanoMDM
  // has no inventory API and the local target no vendor (docs/dispatcher.md "Device id").
  Status check_lookup(const Value& root, const DispatcherConfig& config) {
    if (config.identity != DeviceIdentity::kLookup || !config.device_id.empty()) return Ok{};
    if (config.target != "nanomdm" && config.target != "local") return Ok{};
    const Value* v = root.get("DeviceIdentity");
    return r_.error(v != nullptr ? *v : root, KeyPath().key("DeviceIdentity"),
                    config.target == "nanomdm"
                        ? "NanoMDM has no inventory API to look the serial number up in; use udid "
                          "(NanoMDM's enrollment id of a device channel is its UDID) or DeviceID"
                        : "the local target has no vendor to look the device up in; use serial or "
                          "udid");
  }

  const plist::Document& doc_;
  plist::SettingsReader r_;
};

Error unsafe(const std::string& path, const std::string& what, const std::string& fix) {
  return Error::make(ExitCode::kUsage, path, what + "; fix: " + fix + " '" + path + "'");
}

// Others must not change the configuration (they could point the device at their own server),
// and must not read it when it holds credentials.
Status check_owner_and_mode(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error::make(ExitCode::kIoError, path, "cannot inspect");
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return unsafe(path, "belongs to another user", "chown root");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return unsafe(path, "is writable by other users", "chmod go-w");
  }
  return Ok{};
}

Status check_key_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::make(ExitCode::kIoError, path, "cannot open the relay's ClientKey");
  Status shared = check_not_shared(fd, path);
  ::close(fd);
  return shared;
}

}  // namespace

Result<DispatcherConfig> parse_config(std::string_view bytes, const std::string& file_name) {
  Result<plist::Document> doc = plist::read(bytes, {.file_name = file_name});
  if (!doc) return doc.error();
  return ConfigReader(*doc, file_name).read();
}

Result<DispatcherConfig> load_config(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::make(ExitCode::kIoError, path, "cannot open the configuration");
  Status owner = check_owner_and_mode(fd, path);
  Result<std::string> bytes = owner ? read_all(fd, path) : Result<std::string>(owner.error());
  Result<DispatcherConfig> config =
      bytes ? parse_config(*bytes, path) : Result<DispatcherConfig>(bytes.error());
  if (config && config->holds_secrets()) {
    if (Status s = check_not_shared(fd, path); !s) config = s.error();
  }
  ::close(fd);
  if (config && config->relay) {
    if (Status s = check_key_file(config->relay->client_key); !s) return s.error();
  }
  return config;
}

TransportOptions transport_options(const DispatcherConfig& config) {
  TransportOptions options;
  options.ca_bundle = config.ca_bundle;
  if (config.relay) {
    options.client_certificate = config.relay->client_certificate;
    options.client_key = config.relay->client_key;
  }
  options.connect_timeout = config.connect_timeout;
  options.timeout = config.timeout;
  options.retry = config.retry;
  return options;
}

}  // namespace cmdm::dispatcher
