// Reads the relay's configuration plist: each key checked for its type and range, unknown keys
// refused with "did you mean", and the vendor section read by the dispatcher's own reader so
// the two never disagree about what a vendor needs.
#include "relay/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <tuple>
#include <vector>

#include "plist/file_io.h"
#include "plist/reader.h"
#include "plist/settings_reader.h"
#include "plist/writer.h"

namespace cmdm::relay {

std::string_view identity_source_name(IdentitySource source) {
  return source == IdentitySource::kSubjectCn ? "subject-cn" : "san-dns";
}

namespace {

using plist::KeyPath;
using plist::Value;

const std::vector<std::string> kTopKeys = {
    "Listen",   "ServerCertificate", "ServerKey",  "DeviceCA", "DeviceCRL", "BuildCA",
    "StateDir", "DeviceIdentity",    "PolicyPath", "Limits",   "Vendor",    "MetricsListen"};
const std::vector<std::string> kLimitKeys = {
    "MaxRequestBytes", "ReadTimeout",    "WriteTimeout", "HandshakeTimeout", "RequestsPerMinute",
    "Burst",           "MaxConnections", "Threads",      "ForwardThreads",   "DrainTimeout"};

class Reader {
 public:
  Reader(const plist::Document& doc, std::string file)
      : doc_(doc),
        r_(doc, std::move(file),
           {.key_listing = "(docs/relay.md lists them)", .name_found_type = false}) {}

  Result<RelayConfig> read() {
    const Value& root = doc_.root;
    if (!root.is_dict()) return r_.error(root, {}, "the relay configuration must be a dict");
    RelayConfig config;
    config.file = r_.file();
    if (Status s = r_.check_keys(root, {}, kTopKeys); !s) return s.error();
    if (Status s = read_listen(root, config); !s) return s.error();
    if (Status s = read_paths(root, config); !s) return s.error();
    if (Status s = read_identity(root, config); !s) return s.error();
    if (Status s = read_limits(root, config.limits); !s) return s.error();
    if (Status s = read_vendor(root, config); !s) return s.error();
    if (Status s = read_metrics_listen(root, config); !s) return s.error();
    return config;
  }

 private:
  // MetricsListen serves without a client certificate, so only loopback addresses are accepted.
  Status read_metrics_listen(const Value& root, RelayConfig& config) {
    std::string text;
    if (Status s = r_.string(root, {}, "MetricsListen", &text); !s) return s;
    const Value* v = root.get("MetricsListen");
    if (v == nullptr) return Ok{};
    const std::size_t colon = text.rfind(':');
    const std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if ((host != "127.0.0.1" && host != "[::1]") || !digits || std::stoi(port) > 65535) {
      return r_.error(*v, KeyPath().key("MetricsListen"),
                      "expected a loopback ADDRESS:PORT (\"127.0.0.1:9100\" or \"[::1]:9100\"): "
                      "this port needs no client certificate");
    }
    config.metrics_host = host == "[::1]" ? "::1" : host;
    config.metrics_port = std::stoi(port);
    return Ok{};
  }

  Status required_path(const Value& root, std::string_view key, std::string* out,
                       bool required = true) {
    if (Status s = r_.absolute_path(root, {}, key, out); !s) return s;
    if (root.get(key) != nullptr || !required) return Ok{};
    return r_.error(root, {}, "the relay configuration needs " + std::string(key));
  }

  // "127.0.0.1:8443" or "[::1]:8443"; port 0 takes any free port.
  Status read_listen(const Value& root, RelayConfig& config) {
    std::string listen;
    if (Status s = r_.string(root, {}, "Listen", &listen); !s) return s;
    if (root.get("Listen") == nullptr) return Ok{};
    const std::size_t colon = listen.rfind(':');
    std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : listen.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (host.empty() || !digits || std::stoi(port) > 65535) {
      return r_.error(*root.get("Listen"), KeyPath().key("Listen"),
                      "expected ADDRESS:PORT (\"127.0.0.1:8443\", \"[::]:8443\")");
    }
    config.listen_host = host;
    config.listen_port = std::stoi(port);
    return Ok{};
  }

  Status read_paths(const Value& root, RelayConfig& config) {
    for (auto [key, out, required] :
         {std::tuple{"ServerCertificate", &config.server_certificate, true},
          std::tuple{"ServerKey", &config.server_key, true},
          std::tuple{"DeviceCA", &config.device_ca, true},
          std::tuple{"DeviceCRL", &config.device_crl, false},
          std::tuple{"BuildCA", &config.build_ca, true},
          std::tuple{"StateDir", &config.state_dir, true},
          std::tuple{"PolicyPath", &config.policy_path, false}}) {
      if (Status s = required_path(root, key, out, required); !s) return s;
    }
    return Ok{};
  }

  Status read_identity(const Value& root, RelayConfig& config) {
    Result<std::size_t> identity =
        r_.choice(root, {}, "DeviceIdentity", "device identity", {"subject-cn", "san-dns"}, "");
    if (!identity) return identity.error();
    if (*identity == 1) config.identity = IdentitySource::kSanDns;
    return Ok{};
  }

  Status read_limits(const Value& root, Limits& limits) {
    const Value* v = root.get("Limits");
    if (v == nullptr) return Ok{};
    const KeyPath path = KeyPath().key("Limits");
    if (!v->is_dict()) return r_.error(*v, path, "expected a dict");
    if (Status s = r_.check_keys(*v, path, kLimitKeys); !s) return s;
    auto ms = [](double s) { return std::chrono::milliseconds(std::llround(s * 1000)); };
    struct Row {
      const char* key;
      double min, max;
      std::function<void(double)> set;
    };
    const Row rows[] = {
        {"MaxRequestBytes", 1024, 64.0 * 1024 * 1024,
         [&](double d) { limits.max_request_bytes = static_cast<std::size_t>(d); }},
        {"ReadTimeout", 0.1, 3600, [&](double d) { limits.read_timeout = ms(d); }},
        {"WriteTimeout", 0.1, 3600, [&](double d) { limits.write_timeout = ms(d); }},
        {"HandshakeTimeout", 0.1, 3600, [&](double d) { limits.handshake_timeout = ms(d); }},
        {"RequestsPerMinute", 1, 1e6, [&](double d) { limits.requests_per_minute = d; }},
        {"Burst", 1, 1e6, [&](double d) { limits.burst = d; }},
        {"MaxConnections", 1, 1e6,
         [&](double d) { limits.max_connections = static_cast<std::size_t>(d); }},
        {"Threads", 1, 256, [&](double d) { limits.threads = static_cast<int>(d); }},
        {"ForwardThreads", 1, 1024,
         [&](double d) { limits.forward_threads = static_cast<int>(d); }},
        {"DrainTimeout", 0, 3600, [&](double d) { limits.drain_timeout = ms(d); }},
    };
    for (const Row& row : rows) {
      Result<std::optional<double>> d =
          r_.number(*v, path, row.key, row.min, row.max, "a number",
                    "expected a number from " + std::to_string(static_cast<long long>(row.min)) +
                        " to " + std::to_string(static_cast<long long>(row.max)));
      if (!d) return d.error();
      if (*d) row.set(**d);
    }
    return Ok{};
  }

  // The Vendor dict is a dispatcher configuration with Route direct: the dispatcher's reader
  // checks it, so a vendor section means the same on a device and on the relay.
  Status read_vendor(const Value& root, RelayConfig& config) {
    const Value* v = root.get("Vendor");
    if (v == nullptr) return r_.error(root, {}, "the relay configuration needs a Vendor section");
    if (!v->is_dict()) return r_.error(*v, KeyPath().key("Vendor"), "expected a dict");
    Result<dispatcher::DispatcherConfig> vendor =
        dispatcher::parse_config(plist::write_pretty_xml(*v), r_.file() + ": Vendor");
    if (!vendor) return vendor.error();
    if (vendor->route != dispatcher::Route::kDirect || vendor->target == "local") {
      return r_.error(*v, KeyPath().key("Vendor"),
                      "the relay forwards to an MDM: Vendor needs Route direct and an MDM Target");
    }
    config.vendor = std::move(*vendor);
    return Ok{};
  }

  const plist::Document& doc_;
  plist::SettingsReader r_;
};

Error unsafe(const std::string& path, const std::string& what, const std::string& fix) {
  return Error::make(ExitCode::kUsage, path, what + "; fix: " + fix + " '" + path + "'");
}

// The file holds the vendor's credentials: only its owner (root or the relay's user) may read it.
Status check_private(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error::make(ExitCode::kIoError, path, "cannot inspect");
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return unsafe(path, "belongs to another user", "chown root");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return unsafe(path, "holds vendor credentials and other users may read or write it",
                  "chmod 600");
  }
  return Ok{};
}

}  // namespace

Result<RelayConfig> parse_relay_config(std::string_view bytes, const std::string& file_name) {
  Result<plist::Document> doc = plist::read(bytes, {.file_name = file_name});
  if (!doc) return doc.error();
  return Reader(*doc, file_name).read();
}

Result<RelayConfig> load_relay_config(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::make(ExitCode::kIoError, path, "cannot open the relay configuration");
  Status safe = check_private(fd, path);
  Result<std::string> bytes = safe ? read_all(fd, path) : Result<std::string>(safe.error());
  ::close(fd);
  if (!bytes) return bytes.error();
  return parse_relay_config(*bytes, path);
}

}  // namespace cmdm::relay
