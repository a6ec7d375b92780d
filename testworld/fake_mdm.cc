// The fake MDM server: cpp-httplib on 127.0.0.1, a bounded worker pool, the vendor contract of
// vendor_contracts.cc, delivery to emulated devices, request counts and injected faults.
#include "testworld/fake_mdm.h"

// cpp-httplib writes a response's headers and body in separate writes; with Nagle's algorithm on,
// the body then waits for the client's delayed ACK (40 ms on Linux) and every answer takes 40 ms.
#ifndef CPPHTTPLIB_TCP_NODELAY
#define CPPHTTPLIB_TCP_NODELAY true
#endif
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "plist/uuid.h"
#include "testworld/vendor_contracts.h"

namespace cmdm::testworld {

namespace {

using json = nlohmann::ordered_json;

// httplib's ThreadPool queues accepted connections without limit; this one makes the accept loop
// wait when kMaxQueued connections are already waiting, so the kernel's backlog bounds the rest.
class BoundedPool : public httplib::TaskQueue {
 public:
  static constexpr std::size_t kMaxQueued = 64;
  explicit BoundedPool(int threads) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [this] { return jobs_.size() < kMaxQueued || shutdown_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      fn();
    }
  }
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool shutdown_ = false;
};

// Closes the connection of `req` without an answer. httplib does not hand handlers their socket,
// so it is found among the open descriptors by its two ends (127.0.0.1:local_port and the
// client's port). SO_LINGER 0 makes the close a reset; shutdown() stops httplib from answering.
void reset_connection(const httplib::Request& req) {
  rlimit limit{};
  int max_fd = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536
                   ? static_cast<int>(limit.rlim_cur)
                   : 65536;
  for (int fd = 3; fd < max_fd; ++fd) {
    sockaddr_in local{}, peer{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    if (local.sin_family != AF_INET || ntohs(local.sin_port) != req.local_port) continue;
    len = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    if (ntohs(peer.sin_port) != req.remote_port) continue;
    linger hard{.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    shutdown(fd, SHUT_RDWR);
    return;
  }
}

HttpRequest to_request(const httplib::Request& r) {
  HttpRequest out{.method = r.method, .path = r.path, .body = r.body};
  for (const auto& [k, v] : r.params) out.query.emplace(k, v);
  for (const auto& [name, field] : r.files) out.form.emplace_back(name, field.content);
  for (const auto& [k, v] : r.headers) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[lower] = v;
  }
  return out;
}

std::string new_uuid() {
  Result<plist::UuidBytes> uuid = plist::random_uuid_v4();
  static std::atomic<unsigned> fallback{0};
  return uuid ? plist::format_uuid(*uuid) : "FAKE-UUID-" + std::to_string(fallback++);
}

}  // namespace

struct FakeMdm::Impl {
  FakeMdmOptions options;
  httplib::Server server;
  std::thread listener;
  int port = 0;
  int listen_fd = -1;
  FaultPlan faults;

  mutable std::mutex mu;  // guards stats, seen_uuids, tokens, stopping
  FakeMdmStats stats;
  std::set<std::string> seen_uuids;
  std::map<std::string, std::chrono::steady_clock::time_point> tokens;  // OAuth2: expiry
  FleetProfileStore fleet_profiles;
  bool stopping = false;
  std::condition_variable stop_signal;  // wakes requests held by slow and timeout faults

  std::map<std::string, std::unique_ptr<DeliveryQueue>> queues;  // fixed after start

  Status open_devices();
  void configure();
  void handle(const httplib::Request& req, httplib::Response& res);
  void handle_control(const httplib::Request& req, httplib::Response& res);
  // False when the request was consumed by the fault (no normal answer).
  bool apply_fault(const Fault& fault, const httplib::Request& req, httplib::Response& res);
  void run_contract(const httplib::Request& req, httplib::Response& res, bool deliver);
  void deliver(const Outcome& outcome, bool allowed);
  bool hold(int ms);  // waits ms unless stopping; true when it waited the whole time
  void count_status(int status);
  FakeMdmStats snapshot() const;
};

FakeMdmStats FakeMdm::Impl::snapshot() const {
  FakeMdmStats copy;
  {
    std::lock_guard<std::mutex> lock(mu);
    copy = stats;
  }
  copy.vendor = std::string(vendor_name(options.vendor));
  for (const auto& [id, queue] : queues) {
    copy.device_applied += queue->delivered();
    copy.device_failed += queue->failed();
  }
  return copy;
}

Status FakeMdm::Impl::open_devices() {
  for (const auto& [id, dir] : options.devices) {
    Result<DeviceState> device = DeviceState::open(dir);
    if (!device) return device.error();
    queues.emplace(id, std::make_unique<DeliveryQueue>(std::move(*device), options.delivery));
  }
  return Ok{};
}

void FakeMdm::Impl::configure() {
  int threads = std::clamp(options.threads, 1, 64);
  server.new_task_queue = [threads] { return new BoundedPool(threads); };
  server.set_payload_max_length(options.max_body_bytes);
  time_t sec = options.io_timeout_ms / 1000;
  time_t usec = (options.io_timeout_ms % 1000) * 1000;
  server.set_read_timeout(sec, usec);
  server.set_write_timeout(sec, usec);
  server.set_keep_alive_max_count(100);
  server.set_keep_alive_timeout(5);
  // httplib listens with a backlog of 5, so a burst of clients waits a second for SYN retries;
  // the socket is kept here to widen the backlog once it is bound (see start()).
  server.set_socket_options([this](int sock) {
    httplib::default_socket_options(sock);
    listen_fd = sock;
  });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Delete(".*", handler);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("{\"error\":\"internal error of the fake server\"}\n", "application/json");
      });
  if (options.log_requests) {
    // Method, path and status only: headers and bodies carry credentials and profiles.
    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "fake-mdm: %s %s -> %d\n", req.method.c_str(), req.path.c_str(),
                   res.status);
    });
  }
}

bool FakeMdm::Impl::hold(int ms) {
  std::unique_lock<std::mutex> lock(mu);
  return !stop_signal.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping; });
}

void FakeMdm::Impl::count_status(int status) {
  std::lock_guard<std::mutex> lock(mu);
  ++stats.by_status[status];
}

void FakeMdm::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  if (req.path.rfind("/_fake/", 0) == 0) {
    handle_control(req, res);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.requests;
    ++stats.by_route[req.method + " " + req.path];
    if (options.vendor == Vendor::kWorkspaceOne && req.path == "/connect/token") {
      ++stats.token_requests;
    }
  }
  std::optional<Fault> fault = faults.next();
  if (fault) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.faults;
    }
    if (!apply_fault(*fault, req, res)) return;
  }
  run_contract(req, res, !fault || fault->kind != Fault::Kind::kNoDelivery);
}

bool FakeMdm::Impl::apply_fault(const Fault& fault, const httplib::Request& req,
                                httplib::Response& res) {
  switch (fault.kind) {
    case Fault::Kind::kServerError:
      res.status = 500;
      res.set_content("{\"error\":\"injected fault: internal server error\"}\n",
                      "application/json");
      count_status(500);
      return false;
    case Fault::Kind::kTooManyRequests:
      res.status = 429;
      res.set_header("Retry-After", std::to_string(fault.retry_after_s));
      res.set_content("{\"error\":\"injected fault: too many requests\"}\n", "application/json");
      count_status(429);
      return false;
    case Fault::Kind::kReset:
      reset_connection(req);
      return false;
    case Fault::Kind::kTimeout:
      hold(fault.delay_ms);
      reset_connection(req);
      return false;
    case Fault::Kind::kSlow:
      hold(fault.delay_ms);
      return true;
    case Fault::Kind::kNoDelivery:
      return true;
  }
  return true;
}

void FakeMdm::Impl::run_contract(const httplib::Request& req, httplib::Response& res,
                                 bool deliver_allowed) {
  HttpRequest request = to_request(req);
  ContractContext ctx{
      .credentials = options.credentials,
      .fleet_body_limit = options.fleet_body_limit,
      .known_device =
          [this](const std::string& id) {
            return queues.count(id) > 0 || options.user_channels.count(id) > 0;
          },
      .claim_command_uuid =
          [this](const std::string& uuid) {
            std::lock_guard<std::mutex> lock(mu);
            return seen_uuids.insert(uuid).second;
          },
      .new_command_uuid = new_uuid,
      .issue_token =
          [this] {
            std::string token = "wso-token-" + new_uuid();
            std::lock_guard<std::mutex> lock(mu);
            tokens[token] =
                std::chrono::steady_clock::now() + std::chrono::seconds(options.token_lifetime_s);
            return token;
          },
      .token_valid =
          [this](const std::string& token) {
            std::lock_guard<std::mutex> lock(mu);
            auto it = tokens.find(token);
            return it != tokens.end() && it->second > std::chrono::steady_clock::now();
          },
      .token_lifetime_s = options.token_lifetime_s,
      .fleet_profiles = &fleet_profiles,
      .all_devices =
          [this] {
            std::vector<std::string> ids;
            for (const auto& [id, queue] : queues) ids.push_back(id);
            return ids;
          },
      .device_for_serial =
          [this](const std::string& serial) {
            auto it = options.serials.find(serial);
            return it == options.serials.end() ? std::string() : it->second;
          },
  };
  std::optional<Outcome> outcome = contract_for(options.vendor)(request, ctx);
  if (!outcome) {
    outcome = Outcome{.response = {.status = 404, .body = "{\"error\":\"not found\"}\n"}};
  }
  res.status = outcome->response.status;
  for (const auto& [k, v] : outcome->response.headers) res.set_header(k, v);
  res.set_content(outcome->response.body, outcome->response.content_type.c_str());
  count_status(res.status);
  if (!outcome->command_uuid.empty()) {
    std::lock_guard<std::mutex> lock(mu);
    ++stats.by_command_uuid[outcome->command_uuid];
  }
  if (outcome->accepted) deliver(*outcome, deliver_allowed);
}

// Hands an accepted InstallProfile or RemoveProfile to each addressed device; other request
// types are accepted and counted but change nothing on the device.
void FakeMdm::Impl::deliver(const Outcome& outcome, bool allowed) {
  const MdmCommand& cmd = *outcome.accepted;
  std::optional<Delivery> delivery;
  if (cmd.request_type == "InstallProfile") {
    delivery = Delivery{.kind = Delivery::Kind::kInstall, .bytes = cmd.payload};
  } else if (cmd.request_type == "RemoveProfile") {
    delivery = Delivery{.kind = Delivery::Kind::kRemove, .bytes = cmd.identifier};
  }
  std::size_t handed = 0;
  if (allowed && delivery) {
    for (const std::string& id : outcome.devices) {
      Delivery copy = *delivery;
      auto channel = options.user_channels.find(id);
      if (channel != options.user_channels.end()) copy.owner = channel->second.user;
      auto it = queues.find(channel != options.user_channels.end() ? channel->second.device : id);
      if (it == queues.end()) continue;
      copy.command_uuid = cmd.command_uuid;
      (void)it->second->deliver(std::move(copy));  // refusals are counted by the queue
      ++handed;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  ++stats.accepted;
  if (handed > 0 || (allowed && !delivery && !outcome.devices.empty())) {
    ++stats.delivered;
  } else {
    ++stats.undelivered;
  }
}

// The test-facing endpoints (docs/testworld.md): counts, and faults changed while running.
void FakeMdm::Impl::handle_control(const httplib::Request& req, httplib::Response& res) {
  auto faults_json = [this] {
    json list = json::array();
    for (const Fault& f : faults.pending()) list.push_back(fault_text(f));
    return json{{"faults", list}}.dump() + "\n";
  };
  if (req.path == "/_fake/stats" && req.method == "GET") {
    res.set_content(snapshot().to_json(), "application/json");
    return;
  }
  if (req.path == "/_fake/metrics" && req.method == "GET") {
    res.set_content(snapshot().to_prometheus(), "text/plain; version=0.0.4");
    return;
  }
  if (req.path == "/_fake/faults" && req.method == "POST") {
    std::vector<Fault> parsed;
    std::string text = req.body;
    for (char& c : text) c = (c == '\n' || c == ',' || c == '\r') ? ' ' : c;
    std::size_t pos = 0;
    while ((pos = text.find_first_not_of(' ', pos)) != std::string::npos) {
      std::size_t end = text.find(' ', pos);
      Result<Fault> fault = parse_fault(text.substr(pos, end - pos));
      if (!fault) {
        res.status = 400;
        res.set_content(json{{"error", fault.error().diagnostics[0].message}}.dump() + "\n",
                        "application/json");
        return;
      }
      parsed.push_back(*fault);
      pos = end;
    }
    for (const Fault& f : parsed) faults.add(f);
  } else if (req.path == "/_fake/faults" && req.method == "DELETE") {
    faults.clear();
  } else if (req.path != "/_fake/faults" || req.method != "GET") {
    res.status = 404;
    res.set_content("{\"error\":\"not found\"}\n", "application/json");
    return;
  }
  res.set_content(faults_json(), "application/json");
}

std::string_view vendor_name(Vendor vendor) {
  switch (vendor) {
    case Vendor::kWorkspaceOne:
      return "workspaceone";
    case Vendor::kMicroMdm:
      return "micromdm";
    case Vendor::kNanoMdm:
      return "nanomdm";
    case Vendor::kFleet:
      return "fleet";
  }
  return "micromdm";
}

Result<Vendor> parse_vendor(std::string_view name) {
  for (Vendor v : {Vendor::kWorkspaceOne, Vendor::kMicroMdm, Vendor::kNanoMdm, Vendor::kFleet}) {
    if (vendor_name(v) == name) return v;
  }
  return Error::make(
      ExitCode::kUsage, "",
      "unknown vendor \"" + std::string(name) + "\" (workspaceone, micromdm, nanomdm or fleet)");
}

Credentials default_credentials(Vendor vendor) {
  switch (vendor) {
    case Vendor::kWorkspaceOne:
      return {.username = "testworld",
              .password = "testworld-password",
              .tenant_code = "testworld-tenant",
              .client_id = "testworld-client",
              .client_secret = "testworld-client-secret"};
    case Vendor::kMicroMdm:
      return {.username = "micromdm", .password = "testworld-api-key"};
    case Vendor::kNanoMdm:
      return {.username = "nanomdm", .password = "testworld-api-key"};
    case Vendor::kFleet:
      return {.token = "testworld-token"};
  }
  return {};
}

std::string FakeMdmStats::to_json() const {
  json j;
  j["vendor"] = vendor;
  j["requests"] = requests;
  j["by_route"] = by_route;
  j["by_command_uuid"] = by_command_uuid;
  json statuses = json::object();
  for (const auto& [status, n] : by_status) statuses[std::to_string(status)] = n;
  j["by_status"] = statuses;
  j["accepted"] = accepted;
  j["delivered"] = delivered;
  j["undelivered"] = undelivered;
  j["faults"] = faults;
  j["token_requests"] = token_requests;
  j["device_applied"] = device_applied;
  j["device_failed"] = device_failed;
  return j.dump() + "\n";
}

std::string FakeMdmStats::to_prometheus() const {
  std::string out;
  auto counter = [&out](const std::string& name, const std::string& labels, std::size_t value) {
    out += "fake_mdm_" + name + labels + " " + std::to_string(value) + "\n";
  };
  out += "# TYPE fake_mdm_requests_total counter\n";
  counter("requests_total", "{vendor=\"" + vendor + "\"}", requests);
  out += "# TYPE fake_mdm_responses_total counter\n";
  for (const auto& [status, n] : by_status) {
    counter("responses_total", "{status=\"" + std::to_string(status) + "\"}", n);
  }
  for (const auto& [name, value] : {std::pair<const char*, std::size_t>{"accepted_total", accepted},
                                    {"delivered_total", delivered},
                                    {"undelivered_total", undelivered},
                                    {"faults_total", faults},
                                    {"token_requests_total", token_requests},
                                    {"device_applied_total", device_applied},
                                    {"device_failed_total", device_failed}}) {
    out += std::string("# TYPE fake_mdm_") + name + " counter\n";
    counter(name, "", value);
  }
  return out;
}

FakeMdm::FakeMdm(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeMdm::~FakeMdm() { stop(); }

Result<std::unique_ptr<FakeMdm>> FakeMdm::start(FakeMdmOptions options) {
  Credentials defaults = default_credentials(options.vendor);
  Credentials& c = options.credentials;
  if (c.username.empty()) c.username = defaults.username;
  if (c.password.empty()) c.password = defaults.password;
  if (c.tenant_code.empty()) c.tenant_code = defaults.tenant_code;
  if (c.token.empty()) c.token = defaults.token;
  if (c.client_id.empty()) c.client_id = defaults.client_id;
  if (c.client_secret.empty()) c.client_secret = defaults.client_secret;
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  for (const Fault& f : impl->options.faults) impl->faults.add(f);
  Status opened = impl->open_devices();
  if (!opened) return opened.error();
  impl->configure();
  // Loopback only: the test world never listens where another machine could reach it.
  int port =
      impl->options.port == 0
          ? impl->server.bind_to_any_port("127.0.0.1")
          : (impl->server.bind_to_port("127.0.0.1", impl->options.port) ? impl->options.port : -1);
  if (port <= 0) {
    return Error::make(ExitCode::kUnavailable, "",
                       "cannot listen on 127.0.0.1:" + std::to_string(impl->options.port));
  }
  impl->port = port;
  if (impl->listen_fd >= 0) ::listen(impl->listen_fd, SOMAXCONN);
  Impl* raw = impl.get();
  impl->listener = std::thread([raw] { raw->server.listen_after_bind(); });
  // stop() can end the accept loop only once it runs, so start() returns when it does.
  for (int waited = 0; !impl->server.is_running(); ++waited) {
    if (waited > 5000) {
      // listen_after_bind returns at once when it cannot run, so the join does not wait.
      impl->server.stop();
      impl->listener.join();
      return Error::make(ExitCode::kInternal, "", "the fake server did not start within 5 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<FakeMdm>(new FakeMdm(std::move(impl)));
}

int FakeMdm::port() const { return impl_->port; }

std::string FakeMdm::base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

void FakeMdm::stop() {
  if (!impl_ || !impl_->listener.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->stop_signal.notify_all();
  impl_->server.stop();
  impl_->listener.join();
}

FakeMdmStats FakeMdm::stats() const { return impl_->snapshot(); }

void FakeMdm::add_fault(Fault fault) { impl_->faults.add(fault); }

void FakeMdm::clear_faults() { impl_->faults.clear(); }

void FakeMdm::expire_tokens() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& [token, expiry] : impl_->tokens) expiry = std::chrono::steady_clock::time_point{};
}

bool FakeMdm::drain(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& [id, queue] : impl_->queues) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!queue->drain(static_cast<int>(std::max<long long>(0, left.count())))) return false;
  }
  return true;
}

}  // namespace cmdm::testworld
