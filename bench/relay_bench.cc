// The relay under load, in one process: `cmdm relay`'s Service and mTLS Server in front of the
// test world's fake NanoMDM, and 200 emulated devices (each its own client certificate and
// keep-alive libcurl connection) that each install 10 published parts. Prints requests per
// second, p50/p99 latency, lost requests (no 200) and duplicate forwards (a CommandUUID the vendor
// saw twice, or more accepts than distinct requests); then the same load again while 100
// connections each send one byte a second. A standalone program rather than Google Benchmark:
// one run is the measurement, with its own setup of certificates and a signed build.
//
// usage: relay_bench --cmdm PATH --make-pki PATH [--devices N] [--requests N] [--slow N]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher/process.h"
#include "dispatcher/relay_client.h"
#include "dispatcher/transport.h"
#include "emitters/manifest.h"
#include "plist/file_io.h"
#include "plist/hash.h"
#include "relay/config.h"
#include "relay/metrics.h"
#include "relay/policy.h"
#include "relay/publish.h"
#include "relay/server.h"
#include "relay/service.h"
#include "relay/store.h"
#include "testworld/fake_mdm.h"

namespace {

using namespace cmdm;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string cmdm, make_pki;
  int devices = 200, requests = 10, slow = 100;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "relay_bench: %s\n", message.c_str());
  std::exit(1);
}

int run(const std::vector<std::string>& argv) {
  Result<dispatcher::ProcessOutput> r = dispatcher::make_posix_process_runner()->run(
      {.argv = argv, .timeout = std::chrono::milliseconds(600'000)});
  if (!r) die(r.error().format());
  if (r->exit_status != 0) die(argv[0] + " failed:\n" + r->out + r->err);
  return 0;
}

std::string profile(int i) {
  char uuid[2][40];
  std::snprintf(uuid[0], sizeof uuid[0], "20000000-0000-4000-8000-%012d", i);
  std::snprintf(uuid[1], sizeof uuid[1], "30000000-0000-4000-8000-%012d", i);
  const std::string id = "com.example.relaybench." + std::to_string(i);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
         "<key>PayloadContent</key><array><dict><key>HomePage</key><string>https://"
         "intranet.example.com/" +
         std::to_string(i) + "</string><key>PayloadIdentifier</key><string>" + id +
         ".safari</string><key>PayloadType</key><string>com.apple.Safari</string>"
         "<key>PayloadUUID</key><string>" +
         uuid[0] +
         "</string><key>PayloadVersion</key><integer>1</integer></dict></array>"
         "<key>PayloadIdentifier</key><string>" +
         id +
         "</string><key>PayloadType</key><string>Configuration</string><key>PayloadUUID</key>"
         "<string>" +
         uuid[1] + "</string><key>PayloadVersion</key><integer>1</integer></dict></plist>\n";
}

struct Part {
  std::string identifier, digest;
};

struct World {
  std::string root, pki, manifest_sha;
  std::vector<Part> parts;
};

World prepare(const Options& o) {
  World w;
  char pattern[] = "/tmp/cmdm-relay-bench-XXXXXX";
  w.root = ::mkdtemp(pattern);
  w.pki = w.root + "/pki";
  std::fprintf(stderr, "making %d device certificates...\n", o.devices);
  run({"/bin/sh", o.make_pki, w.pki, std::to_string(o.devices)});
  std::vector<std::string> build = {o.cmdm, "build"};
  std::filesystem::create_directories(w.root + "/src");
  for (int i = 0; i < o.requests; ++i) {
    const std::string path = w.root + "/src/p" + std::to_string(i) + ".mobileconfig";
    std::ofstream(path) << profile(i);
    build.push_back(path);
  }
  build.insert(build.end(),
               {"--target", "nanomdm", "--bundle", "--sign-key", w.pki + "/build-signer.key",
                "--sign-cert", w.pki + "/build-signer.pem", "-o", w.root + "/out"});
  run(build);
  Result<std::string> manifest = read_file(w.root + "/out/manifest.json");
  if (!manifest) die(manifest.error().format());
  w.manifest_sha = plist::sha256_hex(*manifest);
  Result<emitters::Manifest> m = emitters::read_manifest(*manifest);
  if (!m) die(m.error().format());
  for (const auto& s : m->sources) {
    for (const auto& p : s.parts) w.parts.push_back({p.identifier, p.digest});
  }
  return w;
}

std::string config_text(const World& w, const std::string& vendor_url) {
  const std::string& p = w.pki;
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
         "<key>Listen</key><string>127.0.0.1:0</string>"
         "<key>ServerCertificate</key><string>" +
         p +
         "/server.pem</string>"
         "<key>ServerKey</key><string>" +
         p +
         "/server.key</string>"
         "<key>DeviceCA</key><string>" +
         p +
         "/ca.pem</string>"
         "<key>DeviceCRL</key><string>" +
         p +
         "/crl.pem</string>"
         "<key>BuildCA</key><string>" +
         p +
         "/build-ca.pem</string>"
         "<key>StateDir</key><string>" +
         w.root +
         "/state</string>"
         "<key>Limits</key><dict><key>Threads</key><integer>2</integer>"
         "<key>ForwardThreads</key><integer>16</integer><key>Burst</key><integer>100</integer>"
         "<key>HandshakeTimeout</key><integer>5</integer><key>ReadTimeout</key><integer>5</integer>"
         "</dict><key>Vendor</key><dict><key>Route</key><string>direct</string>"
         "<key>Target</key><string>nanomdm</string><key>ServerURL</key><string>" +
         vendor_url +
         "</string><key>NanoMDM</key><dict><key>APIKey</key><string>bench-api-key</string>"
         "</dict></dict></dict></plist>\n";
}

struct Round {
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::atomic<int> lost{0};
};

// Every device installs every part once, one request after the other on one connection.
void load(const Options& o, const World& w, int port, const std::string& round, Round& r) {
  std::vector<std::thread> devices;
  std::vector<std::vector<double>> per(static_cast<std::size_t>(o.devices));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int d = 0; d < o.devices; ++d) {
    devices.emplace_back([&, d] {
      char name[16];
      std::snprintf(name, sizeof name, "DEV-%04d", d);
      dispatcher::TransportOptions t{.ca_bundle = w.pki + "/ca.pem",
                                     .client_certificate = w.pki + "/" + name + ".pem",
                                     .client_key = w.pki + "/" + name + ".key",
                                     .timeout = std::chrono::seconds(60)};
      t.retry = {.max_attempts = 6,
                 .base_delay = std::chrono::milliseconds(100),
                 .max_delay = std::chrono::milliseconds(2000)};
      std::unique_ptr<dispatcher::Transport> transport = dispatcher::make_curl_transport(t);
      dispatcher::DispatcherConfig device{
          .route = dispatcher::Route::kRelay,
          .server_url = "https://127.0.0.1:" + std::to_string(port)};
      ++ready;
      while (!go) std::this_thread::yield();
      for (const Part& part : w.parts) {
        const auto t0 = Clock::now();
        Result<dispatcher::Sent> sent =
            dispatcher::send_to_relay(device,
                                      {.action = "install",
                                       .manifest_sha256 = w.manifest_sha,
                                       .identifier = part.identifier,
                                       .digest = part.digest,
                                       .idempotency_key = round + "-" + part.digest.substr(0, 16)},
                                      *transport);
        per[static_cast<std::size_t>(d)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!sent) {
          ++r.lost;
          std::fprintf(stderr, "%s: %s", name, sent.error().format().c_str());
        }
      }
    });
  }
  while (ready < o.devices) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto start = Clock::now();
  go = true;
  for (std::thread& t : devices) t.join();
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : per) r.latencies_ms.insert(r.latencies_ms.end(), v.begin(), v.end());
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

// Connections that send one byte a second: the start of a TLS record, never finished.
std::vector<std::thread> slow_clients(int n, int port, std::atomic<bool>& stop,
                                      std::atomic<int>& closed_by_relay) {
  std::vector<std::thread> out;
  for (int i = 0; i < n; ++i) {
    out.emplace_back([&, port] {
      while (!stop) {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
          ::close(fd);
          return;
        }
        const char record[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
        for (std::size_t b = 0; b < sizeof record - 1 && !stop; ++b) {
          if (::send(fd, record + b, 1, MSG_NOSIGNAL) != 1) {
            ++closed_by_relay;
            break;
          }
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        ::close(fd);
      }
    });
  }
  return out;
}

void report(const char* what, const Options& o, Round& r, std::size_t accepted_before,
            testworld::FakeMdm& mdm) {
  testworld::FakeMdmStats stats = mdm.stats();
  std::size_t duplicates = 0;
  for (const auto& [uuid, count] : stats.by_command_uuid) duplicates += count > 1 ? count - 1 : 0;
  const std::size_t total = static_cast<std::size_t>(o.devices * o.requests);
  const std::size_t accepted = stats.accepted - accepted_before;
  std::printf(
      "%s: %d devices x %d requests = %zu in %.2f s: %.0f requests/s, p50 %.1f ms, p99 %.1f ms, "
      "max %.1f ms; lost %d; vendor accepted %zu (duplicate forwards %zu, repeated CommandUUIDs "
      "%zu)\n",
      what, o.devices, o.requests, total, r.seconds, total / r.seconds,
      percentile(r.latencies_ms, 0.50), percentile(r.latencies_ms, 0.99),
      r.latencies_ms.empty() ? 0 : r.latencies_ms.back(), r.lost.load(), accepted,
      accepted > total ? accepted - total : 0, duplicates);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--cmdm")
      o.cmdm = value;
    else if (flag == "--make-pki")
      o.make_pki = value;
    else if (flag == "--devices")
      o.devices = std::stoi(value);
    else if (flag == "--requests")
      o.requests = std::stoi(value);
    else if (flag == "--slow")
      o.slow = std::stoi(value);
    else
      die("unknown option " + flag);
  }
  if (o.cmdm.empty() || o.make_pki.empty()) die("usage: relay_bench --cmdm PATH --make-pki PATH");
  World w = prepare(o);
  // NanoMDM refuses a command for an enrollment it does not know: every device is enrolled, and
  // its commands wait for its next poll (no emulator writes in the measurement).
  std::map<std::string, std::string> enrolled;
  for (int d = 0; d < o.devices; ++d) {
    char name[16];
    std::snprintf(name, sizeof name, "DEV-%04d", d);
    enrolled[name] = w.root + "/devices/" + name;
    std::filesystem::create_directories(enrolled[name]);
  }
  Result<std::unique_ptr<testworld::FakeMdm>> mdm = testworld::FakeMdm::start(
      {.vendor = testworld::Vendor::kNanoMdm,
       .credentials = {.username = "nanomdm", .password = "bench-api-key"},
       .devices = enrolled,
       .delivery = {.mode = testworld::DeliveryPolicy::Mode::kOnNextPoll},
       .threads = 16});
  if (!mdm) die(mdm.error().format());
  Result<relay::RelayConfig> config =
      relay::parse_relay_config(config_text(w, (*mdm)->base_url()), "bench.plist");
  if (!config) die(config.error().format());
  auto shared = std::make_shared<const relay::RelayConfig>(*config);
  ::mkdir(config->state_dir.c_str(), 0700);
  Result<std::unique_ptr<relay::Store>> store =
      relay::open_sqlite_store(config->state_dir + "/relay.sqlite");
  if (!store) die(store.error().format());
  Result<relay::Published> published =
      relay::publish_bundle(*config, **store, w.root + "/out/bundle.cmdm");
  if (!published) die(published.error().format());
  relay::Metrics metrics;
  std::unique_ptr<relay::Forwarder> forwarder = relay::make_vendor_forwarder(config->vendor);
  relay::Service service(shared, std::make_shared<const relay::Policy>(), **store, *forwarder,
                         metrics);
  Result<std::unique_ptr<relay::Server>> server =
      relay::Server::start(*config, service, metrics, {});
  if (!server) die(server.error().format());
  const int port = (*server)->port();

  Round plain;
  load(o, w, port, "plain", plain);
  report("load", o, plain, 0, **mdm);

  std::atomic<bool> stop{false};
  std::atomic<int> closed{0};
  const std::size_t before = (*mdm)->stats().accepted;
  std::vector<std::thread> slow = slow_clients(o.slow, port, stop, closed);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  Round with_slow;
  load(o, w, port, "slow", with_slow);
  std::this_thread::sleep_for(std::chrono::seconds(6));  // past the 5 s handshake deadline
  stop = true;
  for (std::thread& t : slow) t.join();
  report("load with slow clients", o, with_slow, before, **mdm);
  std::printf(
      "slow clients: %d connections sending one byte a second; %d closed by the relay's "
      "handshake deadline while the load ran\n",
      o.slow, closed.load());
  (*server)->drain(std::chrono::seconds(5));
  std::filesystem::remove_all(w.root);
  return plain.lost == 0 && with_slow.lost == 0 ? 0 : 1;
}
