// The relay's API (relay/service.h, docs/relay.md "API"). Each handler reads as: parse the body,
// authorize against the published bundles or the device's installs, take the idempotency
// record, forward through the dispatcher's vendor client, record, answer.
#include "relay/service.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "emitters/manifest.h"
#include "emitters/targets.h"
#include "pipeline/build.h"
#include "plist/base64.h"
#include "plist/file_io.h"
#include "plist/hash.h"
#include "plist/uuid.h"

namespace cmdm::relay {

using json = nlohmann::json;

namespace {

class VendorForwarder final : public Forwarder {
 public:
  explicit VendorForwarder(dispatcher::DispatcherConfig vendor)
      : vendor_(std::make_shared<const dispatcher::DispatcherConfig>(std::move(vendor))) {}
  Result<dispatcher::Sent> forward(const dispatcher::Outgoing& request,
                                   const dispatcher::SlotValues& values) override {
    std::shared_ptr<const dispatcher::DispatcherConfig> vendor;
    {
      std::lock_guard lock(mutex_);
      vendor = vendor_;
    }
    std::unique_ptr<dispatcher::Transport> transport =
        dispatcher::make_curl_transport(dispatcher::transport_options(*vendor));
    return dispatcher::send_request(*vendor, request, values, *transport);
  }
  void reload(const dispatcher::DispatcherConfig& vendor) override {
    std::lock_guard lock(mutex_);
    vendor_ = std::make_shared<const dispatcher::DispatcherConfig>(vendor);
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<const dispatcher::DispatcherConfig> vendor_;
};

bool is_hex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Identifiers and idempotency keys: printable, bounded, no spaces (they go into log lines).
bool is_token(const std::string& s, std::size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
    return c > ' ' && c < 127 && c != '"' && c != '\\';
  });
}

std::string short_digest(const std::string& digest) { return digest.substr(0, 12); }

ServiceResponse json_response(int status, const json& body) {
  return {.status = status, .body = body.dump() + "\n", .outcome = "ok"};
}

json record_json(const RequestRecord& r, bool replayed) {
  return {{"request_id", r.id},
          {"action", r.action},
          {"identifier", r.identifier},
          {"digest", r.digest},
          {"state", r.state},
          {"reason", r.reason},
          {"command_uuid", r.command_uuid},
          {"vendor_status", r.vendor_status},
          {"replayed", replayed}};
}

// The HTTP status a finished request's state is answered with (the first answer and a replay
// agree).
int status_of(const RequestRecord& r) {
  if (r.state == "sent") return 200;
  if (r.state == "refused") return 502;
  return 503;
}

// The part with this identifier and digest, and its route to `target` when that is an MDM route;
// nulls when the manifest has no such part.
std::pair<const emitters::Part*, const emitters::TargetRoute*> find_part(
    const emitters::Manifest& manifest, const std::string& identifier, const std::string& digest,
    const std::string& target) {
  for (const emitters::SourceEntry& source : manifest.sources) {
    for (const emitters::Part& part : source.parts) {
      if (part.identifier != identifier || part.digest != digest) continue;
      for (const emitters::TargetRoute& r : part.routes) {
        if (r.target == target && r.route == emitters::Route::kMdm) return {&part, &r};
      }
    }
  }
  return {nullptr, nullptr};
}

}  // namespace

std::unique_ptr<Forwarder> make_vendor_forwarder(dispatcher::DispatcherConfig vendor) {
  return std::make_unique<VendorForwarder>(std::move(vendor));
}

struct Service::State {
  std::mutex mutex;  // guards config, policy, buckets, manifests
  std::shared_ptr<const RelayConfig> config;
  std::shared_ptr<const Policy> policy;
  Store& store;
  Forwarder& forwarder;
  Metrics& metrics;
  std::function<std::chrono::steady_clock::time_point()> clock = [] {
    return std::chrono::steady_clock::now();
  };
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Bucket> buckets;
  std::map<std::string, std::shared_ptr<const emitters::Manifest>> manifests;

  State(std::shared_ptr<const RelayConfig> c, std::shared_ptr<const Policy> p, Store& s,
        Forwarder& f, Metrics& m)
      : config(std::move(c)), policy(std::move(p)), store(s), forwarder(f), metrics(m) {}
};

namespace {

// One request's view: the configuration and policy it started with (a reload mid-request does
// not change them), the device, and the helpers every handler shares.
class Exchange {
 public:
  Exchange(Service::State& state, std::string device, const ServiceRequest& request)
      : s_(state), device_(std::move(device)), request_(request) {
    std::lock_guard lock(s_.mutex);
    config_ = s_.config;
    policy_ = s_.policy;
  }

  ServiceResponse install();
  ServiceResponse remove();
  ServiceResponse device_profile();
  ServiceResponse status(const std::string& id_text);
  std::optional<ServiceResponse> rate_limit();

 private:
  // A refusal: error body, metrics, audit entry.
  ServiceResponse refuse(int status, const std::string& code, const std::string& message,
                         const std::string& what, std::int64_t request_id = 0) {
    s_.metrics.refusal(code);
    audit({.device = device_,
           .request = what,
           .decision = "refused",
           .reason = code + ": " + message,
           .request_id = request_id});
    ServiceResponse r = json_response(status, {{"error", {{"code", code}, {"message", message}}}});
    r.outcome = "refused";
    r.reason = code;
    return r;
  }

  void audit(AuditEntry entry) { (void)s_.store.append_audit(entry); }

  Result<json> body_json() {
    json body = json::parse(request_.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return Error::make(ExitCode::kDataError, "", "the body is not a JSON object");
    }
    return body;
  }

  static std::string field(const json& body, const char* name) {
    auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  }

  Result<std::shared_ptr<const emitters::Manifest>> manifest_of(const PublishedBundle& bundle);

  // Answers from an existing record: a replay of a finished request, "in progress" for one
  // another connection is sending. nullopt: the record failed earlier and was taken again.
  std::optional<ServiceResponse> replay(const RequestRecord& record, const std::string& what);

  struct Forwarded {
    std::string command_uuid;
    int vendor_status = 0;
  };
  // Sends each request in turn; the record is finished and audited whatever happens.
  Result<Forwarded> forward(std::vector<dispatcher::Outgoing> requests, RequestRecord& record,
                            const std::string& what);
  ServiceResponse finished(const RequestRecord& record, const Result<Forwarded>& forwarded);

  std::optional<ServiceResponse> take(RequestRecord& record, const std::string& what);
  Result<pipeline::BuildOutput> compile_and_judge(const std::string& bytes,
                                                  std::optional<PolicyRefusal>& refusal);

  Service::State& s_;
  std::string device_;
  const ServiceRequest& request_;
  std::shared_ptr<const RelayConfig> config_;
  std::shared_ptr<const Policy> policy_;
};

std::optional<ServiceResponse> Exchange::rate_limit() {
  std::lock_guard lock(s_.mutex);
  const double per_second = config_->limits.requests_per_minute / 60.0;
  const auto now = s_.clock();
  auto [it, fresh] = s_.buckets.try_emplace(device_);
  Service::State::Bucket& b = it->second;
  if (fresh) {
    b.tokens = config_->limits.burst;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(config_->limits.burst, b.tokens + elapsed * per_second);
  }
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  const int wait = static_cast<int>(std::ceil((1 - b.tokens) / per_second));
  s_.metrics.refusal("rate_limited");
  ServiceResponse r =
      json_response(429, {{"error",
                           {{"code", "rate_limited"},
                            {"message", "too many requests from this device; retry after " +
                                            std::to_string(wait) + " s"}}}});
  r.headers.emplace_back("Retry-After", std::to_string(wait));
  r.outcome = "refused";
  r.reason = "rate_limited";
  return r;
}

Result<std::shared_ptr<const emitters::Manifest>> Exchange::manifest_of(
    const PublishedBundle& bundle) {
  {
    std::lock_guard lock(s_.mutex);
    auto it = s_.manifests.find(bundle.manifest_sha256);
    if (it != s_.manifests.end()) return it->second;
  }
  Result<std::string> bytes = read_file(bundle.directory + "/manifest.json");
  if (!bytes) return bytes.error();
  // The published copy is checked again: the relay sends only what the signed manifest lists.
  if (plist::sha256_hex(*bytes) != bundle.manifest_sha256) {
    return Error::make(ExitCode::kCheckFailed, bundle.directory,
                       "the published manifest changed on disk");
  }
  Result<emitters::Manifest> manifest = emitters::read_manifest(*bytes, bundle.directory);
  if (!manifest) return manifest.error();
  auto shared = std::make_shared<const emitters::Manifest>(std::move(*manifest));
  std::lock_guard lock(s_.mutex);
  s_.manifests.emplace(bundle.manifest_sha256, shared);
  return shared;
}

std::optional<ServiceResponse> Exchange::replay(const RequestRecord& record,
                                                const std::string& what) {
  if (record.state == "in_progress") {
    ServiceResponse r = json_response(
        429, {{"error",
               {{"code", "in_progress"},
                {"message", "this request is being sent; retry to read its answer"}}}});
    r.headers.emplace_back("Retry-After", "1");
    r.outcome = "refused";
    r.reason = "in_progress";
    s_.metrics.refusal("in_progress");
    return r;
  }
  if (record.state == "failed") return std::nullopt;  // the caller takes it again
  audit({.device = device_,
         .request = what,
         .decision = "replayed",
         .reason = record.reason,
         .vendor_answer = record.vendor_status != 0 ? std::to_string(record.vendor_status) : "",
         .request_id = record.id});
  ServiceResponse r = json_response(status_of(record), record_json(record, true));
  r.outcome = "replayed";
  return r;
}

// Begins (or finds) the idempotency record; a response when the request must not be sent now.
std::optional<ServiceResponse> Exchange::take(RequestRecord& record, const std::string& what) {
  Result<Store::Begun> begun = s_.store.begin_request(record);
  if (!begun) {
    return refuse(500, "internal", "the relay cannot record the request", what);
  }
  record = begun->record;
  if (begun->created) return std::nullopt;
  if (std::optional<ServiceResponse> answered = replay(record, what)) return answered;
  Result<bool> retaken = s_.store.retake_request(record.id);
  if (!retaken) return refuse(500, "internal", "the relay cannot record the request", what);
  if (!*retaken) return replay({.state = "in_progress"}, what);
  return std::nullopt;
}

Result<Exchange::Forwarded> Exchange::forward(std::vector<dispatcher::Outgoing> requests,
                                              RequestRecord& record, const std::string& what) {
  Forwarded out;
  if (dispatcher::needs_command_uuid(requests)) {
    Result<plist::UuidBytes> uuid = plist::random_uuid_v4();
    if (!uuid) return uuid.error();
    out.command_uuid = plist::format_uuid(*uuid);
  }
  // The device named by its certificate is the only device a slot can name.
  dispatcher::SlotValues values{
      .command_uuid = out.command_uuid, .device_id = device_, .enrollment_id = device_};
  std::string sent;
  for (const dispatcher::Outgoing& request : requests) {
    if (!sent.empty()) sent += "; ";
    sent += request.method + " " + request.path + " (" + std::to_string(request.body.size()) +
            " bytes, sha256 " + short_digest(plist::sha256_hex(request.body)) + ")";
    Result<dispatcher::Sent> answer = s_.forwarder.forward(request, values);
    if (!answer) {
      const bool unavailable = answer.error().code == ExitCode::kUnavailable;
      s_.metrics.forward(unavailable ? "unavailable" : "refused");
      record.state = unavailable ? "failed" : "refused";
      record.reason =
          (unavailable ? "vendor_unavailable: " : "vendor_refused: ") + answer.error().format();
      while (!record.reason.empty() && record.reason.back() == '\n') record.reason.pop_back();
      (void)s_.store.finish_request(record);
      audit({.device = device_,
             .request = what,
             .decision = "failed",
             .reason = record.reason,
             .sent = sent,
             .request_id = record.id});
      return answer.error();
    }
    s_.metrics.forward("sent");
    out.vendor_status = answer->status;
    if (out.command_uuid.empty()) out.command_uuid = answer->command_uuid;
  }
  record.state = "sent";
  record.command_uuid = out.command_uuid;
  record.vendor_status = out.vendor_status;
  if (Status s = s_.store.finish_request(record); !s) return s.error();
  audit({.device = device_,
         .request = what,
         .decision = "forwarded",
         .sent = sent,
         .vendor_answer = std::to_string(out.vendor_status),
         .request_id = record.id});
  return out;
}

ServiceResponse Exchange::finished(const RequestRecord& record,
                                   const Result<Forwarded>& forwarded) {
  ServiceResponse r = json_response(status_of(record), record_json(record, false));
  if (!forwarded) {
    r.outcome = "failed";
    r.reason = record.state == "refused" ? "vendor_refused" : "vendor_unavailable";
    if (record.state != "refused") r.headers.emplace_back("Retry-After", "5");
  } else {
    r.outcome = "forwarded";
  }
  return r;
}

ServiceResponse Exchange::install() {
  Result<json> body = body_json();
  const std::string manifest_sha = body ? field(*body, "manifest_sha256") : "";
  const std::string identifier = body ? field(*body, "identifier") : "";
  const std::string digest = body ? field(*body, "digest") : "";
  std::string action = body ? field(*body, "action") : "";
  if (action.empty()) action = "install";
  const std::string what = action + " " + identifier + " " + short_digest(digest);
  if (!body || !is_hex64(manifest_sha) || !is_hex64(digest) || !is_token(identifier, 255) ||
      (action != "install" && action != "update")) {
    return refuse(400, "bad_request",
                  "expected {\"manifest_sha256\", \"identifier\", \"digest\"} (lower-case hex "
                  "SHA-256s) and an optional \"action\" of install or update",
                  what);
  }
  if (!is_token(request_.idempotency_key, 128)) {
    return refuse(400, "idempotency_key_required",
                  "an Idempotency-Key header (1 to 128 printable characters) is required", what);
  }
  Result<std::optional<PublishedBundle>> bundle = s_.store.find_bundle(manifest_sha);
  if (!bundle) return refuse(500, "internal", "the relay cannot read its bundles", what);
  if (!*bundle) {
    return refuse(403, "not_published", "no bundle with this manifest was published to the relay",
                  what);
  }
  Result<std::shared_ptr<const emitters::Manifest>> manifest = manifest_of(**bundle);
  if (!manifest) return refuse(500, "internal", "the published bundle cannot be read", what);
  auto [found, route] = find_part(**manifest, identifier, digest, config_->vendor.target);
  if (found == nullptr) {
    return refuse(403, "not_in_bundle",
                  "the published bundle has no part " + identifier +
                      " with this digest routed to " + config_->vendor.target,
                  what);
  }
  if (found->scope != emitters::Scope::kSystem) {
    return refuse(403, "user_scope_unsupported",
                  "the relay sends device-channel (System) parts only", what);
  }
  RequestRecord record{.device = device_,
                       .key = action + ":" + digest + ":" + request_.idempotency_key,
                       .action = action,
                       .identifier = identifier,
                       .digest = digest,
                       .manifest_sha256 = manifest_sha};
  if (std::optional<ServiceResponse> early = take(record, what)) return *early;
  Result<std::vector<dispatcher::Outgoing>> requests =
      dispatcher::manifest_requests((*bundle)->directory, *route, action);
  Result<Forwarded> forwarded =
      requests ? forward(std::move(*requests), record, what) : Result<Forwarded>(requests.error());
  if (!requests) {
    record.state = "refused";
    record.reason = "bad_bundle: " + requests.error().format();
    (void)s_.store.finish_request(record);
  }
  if (forwarded) {
    (void)s_.store.put_install({.device = device_,
                                .identifier = identifier,
                                .digest = digest,
                                .manifest_sha256 = manifest_sha});
  }
  return finished(record, forwarded);
}

ServiceResponse Exchange::remove() {
  Result<json> body = body_json();
  const std::string identifier = body ? field(*body, "identifier") : "";
  const std::string what = "remove " + identifier;
  if (!body || !is_token(identifier, 255)) {
    return refuse(400, "bad_request", "expected {\"identifier\": \"...\"}", what);
  }
  if (!is_token(request_.idempotency_key, 128)) {
    return refuse(400, "idempotency_key_required",
                  "an Idempotency-Key header (1 to 128 printable characters) is required", what);
  }
  RequestRecord record{.device = device_,
                       .key = "remove:" + identifier + ":" + request_.idempotency_key,
                       .action = "remove",
                       .identifier = identifier};
  // A retry of a remove that went through finds its record, not the install it deleted.
  Result<std::optional<RequestRecord>> earlier = s_.store.find_request_by_key(device_, record.key);
  if (earlier && *earlier) {
    if (std::optional<ServiceResponse> answered = replay(**earlier, what)) return *answered;
  }
  Result<std::optional<InstallRecord>> installed = s_.store.find_install(device_, identifier);
  if (!installed) return refuse(500, "internal", "the relay cannot read its installs", what);
  if (!*installed) {
    return refuse(403, "not_installed_by_relay",
                  "the relay did not install " + identifier + " on this device", what);
  }
  record.digest = (*installed)->digest;
  record.manifest_sha256 = (*installed)->manifest_sha256;
  if (std::optional<ServiceResponse> early = take(record, what)) return *early;
  Result<std::vector<dispatcher::Outgoing>> requests =
      dispatcher::registry_remove_requests(config_->vendor.target, identifier, false);
  Result<Forwarded> forwarded =
      requests ? forward(std::move(*requests), record, what) : Result<Forwarded>(requests.error());
  if (forwarded) (void)s_.store.delete_install(device_, identifier);
  return finished(record, forwarded);
}

// Writes a device-compiled build's files under `dir`, where manifest_requests reads them.
Status write_artifacts(const std::string& dir, const std::vector<emitters::Artifact>& artifacts) {
  for (const emitters::Artifact& a : artifacts) {
    const std::filesystem::path path = std::filesystem::path(dir) / a.path;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return Error::make(ExitCode::kIoError, path.parent_path().string(), "cannot create");
    if (Status s = write_file_atomic(path.string(), a.bytes); !s) return s;
  }
  return Ok{};
}

// Runs cmdm's pipeline on a device-compiled profile for the relay's target and judges every part
// against the policy: `refusal` is set for the first part the policy refuses; an error means the
// profile does not compile.
Result<pipeline::BuildOutput> Exchange::compile_and_judge(const std::string& bytes,
                                                          std::optional<PolicyRefusal>& refusal) {
  Result<const emitters::Target*> target = emitters::find_target(config_->vendor.target);
  if (!target) return target.error();
  pipeline::BuildOptions options{.targets = {*target}, .generator = "cmdm relay"};
  Result<pipeline::BuildOutput> built =
      pipeline::build({{.path = "device-profile.mobileconfig", .bytes = bytes}}, options);
  if (!built) return built.error();
  for (const emitters::SourceEntry& source : built->manifest.sources) {
    for (const emitters::Part& part : source.parts) {
      ProfileFacts facts{.identifier = part.identifier,
                         .payload_identifiers = part.payloads,
                         .payload_types = part.payload_types};
      refusal = check_profile(*policy_, facts);
      if (refusal) return built;
    }
  }
  return built;
}

// POST /v1/profiles: a profile the device compiled. Off unless the policy allows it; then the
// relay runs cmdm's own pipeline on it (validate, optimize, split for the vendor's limit) and
// judges every resulting part against the policy before anything is sent.
ServiceResponse Exchange::device_profile() {
  Result<json> body = body_json();
  const std::string encoded = body ? field(*body, "profile") : "";
  std::optional<std::vector<std::uint8_t>> decoded = plist::base64_decode(encoded);
  const std::string bytes = decoded ? std::string(decoded->begin(), decoded->end()) : "";
  const std::string what = "profile sha256:" + short_digest(plist::sha256_hex(bytes));
  if (!body || !decoded || bytes.empty()) {
    return refuse(400, "bad_request", "expected {\"profile\": \"<base64 of the profile>\"}", what);
  }
  if (std::optional<PolicyRefusal> no = check_profile_size(*policy_, bytes.size())) {
    return refuse(403, no->code, no->message, what);
  }
  if (!is_token(request_.idempotency_key, 128)) {
    return refuse(400, "idempotency_key_required",
                  "an Idempotency-Key header (1 to 128 printable characters) is required", what);
  }
  std::optional<PolicyRefusal> refusal;
  Result<pipeline::BuildOutput> built = compile_and_judge(bytes, refusal);
  if (!built) return refuse(422, "invalid_profile", built.error().format(), what);
  if (refusal) return refuse(403, refusal->code, refusal->message, what);
  std::vector<const emitters::Part*> parts;
  for (const emitters::SourceEntry& source : built->manifest.sources) {
    for (const emitters::Part& part : source.parts) parts.push_back(&part);
  }
  const std::string digest = plist::sha256_hex(bytes);
  const std::string dir = config_->state_dir + "/device-builds/" + digest;
  if (Status written = write_artifacts(dir, built->artifacts); !written) {
    return refuse(500, "internal", "the relay cannot store the compiled profile", what);
  }
  std::vector<dispatcher::Outgoing> requests;
  for (const emitters::Part* part : parts) {
    const emitters::TargetRoute& route = part->routes.front();
    if (route.route != emitters::Route::kMdm || part->scope != emitters::Scope::kSystem) {
      return refuse(422, "undeliverable",
                    "part " + part->identifier + " cannot be sent through " + route.target +
                        (route.reason.empty() ? "" : ": " + route.reason),
                    what);
    }
    Result<std::vector<dispatcher::Outgoing>> more =
        dispatcher::manifest_requests(dir, route, "install");
    if (!more) return refuse(500, "internal", more.error().format(), what);
    for (dispatcher::Outgoing& o : *more) requests.push_back(std::move(o));
  }
  RequestRecord record{.device = device_,
                       .key = "profile:" + digest + ":" + request_.idempotency_key,
                       .action = "install",
                       .identifier = parts.empty() ? "" : parts.front()->identifier,
                       .digest = digest,
                       .manifest_sha256 = "device-compiled"};
  if (std::optional<ServiceResponse> early = take(record, what)) return *early;
  Result<Forwarded> forwarded = forward(std::move(requests), record, what);
  if (forwarded) {
    for (const emitters::Part* part : parts) {
      (void)s_.store.put_install({.device = device_,
                                  .identifier = part->identifier,
                                  .digest = part->digest,
                                  .manifest_sha256 = "device-compiled"});
    }
  }
  return finished(record, forwarded);
}

ServiceResponse Exchange::status(const std::string& id_text) {
  const bool digits =
      !id_text.empty() && id_text.size() < 18 &&
      std::all_of(id_text.begin(), id_text.end(), [](char c) { return c >= '0' && c <= '9'; });
  Result<std::optional<RequestRecord>> record =
      digits ? s_.store.find_request(device_, std::stoll(id_text))
             : Result<std::optional<RequestRecord>>(std::optional<RequestRecord>());
  // Another device's request is "not found", exactly as one that does not exist.
  if (!record || !*record) {
    ServiceResponse r = json_response(
        404, {{"error", {{"code", "not_found"}, {"message", "no such request for this device"}}}});
    r.outcome = "refused";
    r.reason = "not_found";
    return r;
  }
  return json_response(200, record_json(**record, false));
}

}  // namespace

Service::Service(std::shared_ptr<const RelayConfig> config, std::shared_ptr<const Policy> policy,
                 Store& store, Forwarder& forwarder, Metrics& metrics)
    : state_(std::make_unique<State>(std::move(config), std::move(policy), store, forwarder,
                                     metrics)) {}

Service::~Service() = default;

void Service::reload(std::shared_ptr<const RelayConfig> config,
                     std::shared_ptr<const Policy> policy) {
  std::lock_guard lock(state_->mutex);
  state_->config = std::move(config);
  state_->policy = std::move(policy);
}

void Service::set_clock(std::function<std::chrono::steady_clock::time_point()> clock) {
  std::lock_guard lock(state_->mutex);
  state_->clock = std::move(clock);
}

ServiceResponse Service::handle(const std::string& device, const ServiceRequest& request) {
  std::string path = request.target.substr(0, request.target.find('?'));
  auto with_route = [](ServiceResponse r, std::string route) {
    r.route = std::move(route);
    return r;
  };
  if (path == "/healthz" && request.method == "GET") {
    return with_route(json_response(200, {{"status", "ok"}}), "/healthz");
  }
  if (path == "/metrics" && request.method == "GET") {
    return with_route({.content_type = "text/plain; version=0.0.4",
                       .body = state_->metrics.prometheus(),
                       .outcome = "ok"},
                      "/metrics");
  }
  Exchange exchange(*state_, device, request);
  const bool known = path == "/v1/install" || path == "/v1/remove" || path == "/v1/profiles" ||
                     path.rfind("/v1/requests/", 0) == 0;
  if (!known) {
    ServiceResponse r = json_response(
        404, {{"error", {{"code", "not_found"}, {"message", "no such route (docs/relay.md)"}}}});
    r.outcome = "refused";
    r.reason = "not_found";
    return with_route(r, "unknown");
  }
  const bool is_get = path.rfind("/v1/requests/", 0) == 0;
  const std::string route = is_get ? "/v1/requests" : path;
  if (request.method != (is_get ? "GET" : "POST")) {
    ServiceResponse r =
        json_response(405, {{"error",
                             {{"code", "method_not_allowed"},
                              {"message", std::string("use ") + (is_get ? "GET" : "POST")}}}});
    r.headers.emplace_back("Allow", is_get ? "GET" : "POST");
    r.outcome = "refused";
    r.reason = "method_not_allowed";
    return with_route(r, route);
  }
  if (std::optional<ServiceResponse> limited = exchange.rate_limit()) {
    return with_route(*limited, route);
  }
  if (path == "/v1/install") return with_route(exchange.install(), route);
  if (path == "/v1/remove") return with_route(exchange.remove(), route);
  if (path == "/v1/profiles") return with_route(exchange.device_profile(), route);
  return with_route(exchange.status(path.substr(std::string("/v1/requests/").size())), route);
}

}  // namespace cmdm::relay
