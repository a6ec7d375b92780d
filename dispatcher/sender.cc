// Sends one command to the vendor: fills the slots, authenticates as the vendor asks, and reads
// the answer (dispatcher/sender.h).
#include "dispatcher/sender.h"

#include <algorithm>
#include <regex>

#include "emitters/targets.h"
#include "plist/file_io.h"
#include "plist/hash.h"

namespace cmdm::dispatcher {
namespace {

Error usage(std::string message) { return Error::make(ExitCode::kUsage, "", std::move(message)); }
Error data(std::string message) {
  return Error::make(ExitCode::kDataError, "", std::move(message));
}

Result<std::string> read_body(const std::string& out_dir, const emitters::Request& request) {
  if (request.body.empty()) return std::string();
  Result<std::string> bytes = read_file(out_dir + "/" + request.body);
  if (!bytes) return bytes.error();
  if (plist::sha256_hex(*bytes) != request.body_sha256) {
    return Error::make(ExitCode::kDataError, out_dir + "/" + request.body,
                       "the command body does not match the manifest's body_sha256 (changed "
                       "after the build?)");
  }
  return bytes;
}

bool replace_once(std::string& text, std::string_view placeholder, std::string_view value) {
  std::size_t at = text.find(placeholder);
  if (at == std::string::npos) return false;
  text.replace(at, placeholder.size(), value);
  return true;
}

// The value a slot takes this send; an empty value means it cannot be filled.
Result<std::string> slot_value(const emitters::RequestSlot& slot, const SlotValues& values) {
  std::string value;
  if (slot.name == "command_uuid") value = values.command_uuid;
  if (slot.name == "device_id") value = values.device_id;
  if (slot.name == "enrollment_id") value = values.enrollment_id;
  if (slot.name == "fleet_profile_uuid") value = values.fleet_profile_uuid;
  if (value.empty()) {
    return usage("cannot fill the request's " + slot.name + " slot (" + slot.fill + ")");
  }
  return value;
}

// Fills every slot; a placeholder missing from where the manifest puts it is refused, so a body
// never goes out with the build-time placeholder (docs/manifest.md "Requests and slots").
Status fill_slots(const Outgoing& request, const SlotValues& values, std::string& path,
                  std::string& body) {
  for (const emitters::RequestSlot& slot : request.slots) {
    Result<std::string> value = slot_value(slot, values);
    if (!value) return value.error();
    bool filled = false;
    if (slot.where == "path") {
      filled = replace_once(path, slot.placeholder, *value);
    } else if (slot.where == "body") {
      filled = replace_once(body, slot.placeholder, *value);
    } else if (slot.where == "command") {  // inside Fleet's base64 command: the registry knows how
      Result<const emitters::Target*> target = emitters::find_target(request.target);
      if (!target || (*target)->fill_command_uuid == nullptr)
        return usage("no filler for " + slot.name);
      std::string before = body;
      body = (*target)->fill_command_uuid(body, *value);
      filled = body != before;
    }
    if (!filled) {
      return data("the request has no " + slot.placeholder + " for its " + slot.name +
                  " slot in its " + slot.where);
    }
  }
  return Ok{};
}

Status add_authentication(const DispatcherConfig& config, OAuthTokens* tokens, Transport& transport,
                          HttpRequest& http) {
  if (config.route != Route::kDirect) return usage("the relay route is not supported by apply yet");
  auto add = [&](std::string name, Secret value) {
    http.secret_headers.emplace_back(std::move(name), std::move(value));
  };
  const std::string& t = config.target;
  if (t == "workspaceone") {
    if (!config.workspace_one) return usage("the configuration has no WorkspaceONE section");
    const WorkspaceOneCredentials& c = *config.workspace_one;
    if (c.uses_oauth()) {
      if (tokens == nullptr) return usage("Workspace ONE OAuth2 needs a token source");
      Result<Secret> token = tokens->token(transport);
      if (!token) return token.error();
      add("Authorization", bearer_authorization(*token));
    } else {
      add("Authorization", basic_authorization(c.username, c.password));
    }
    if (!c.tenant_code.empty()) add("aw-tenant-code", c.tenant_code);
  } else if (t == "micromdm") {
    add("Authorization", basic_authorization("micromdm", config.micromdm_api_key));
  } else if (t == "nanomdm") {
    add("Authorization", basic_authorization("nanomdm", config.nanomdm_api_key));
  } else if (t == "fleet" || t == "fleet-profiles") {
    add("Authorization", bearer_authorization(config.fleet_token));
  } else {
    return usage("apply cannot send to target " + t + " through an MDM API");
  }
  return Ok{};
}

// The CommandUUID a vendor that generates its own reports (MicroMDM, Fleet, NanoMDM echo it).
std::string reported_command_uuid(const std::string& body) {
  static const std::regex kUuid(R"re("command_uuid"\s*:\s*"([0-9A-Fa-f-]{36})")re");
  std::smatch match;
  return std::regex_search(body, match, kUuid) ? match[1].str() : std::string();
}

// The profile_uuid Fleet answers a managed profile's upload with ({"profile_uuid": "…"}).
std::string reported_profile_uuid(const std::string& body) {
  static const std::regex kRef(R"re("profile_uuid"\s*:\s*"([^"\\]{1,200})")re");
  std::smatch match;
  return std::regex_search(body, match, kRef) ? match[1].str() : std::string();
}

// "the vendor's limit of 2,000 characters of CommandXml": the registry's limit, not the route's,
// which a build's --limit may have raised past what the vendor takes.
std::string vendor_limit(std::string_view target_name) {
  Result<const emitters::Target*> target = emitters::find_target(target_name);
  if (!target || (*target)->default_limit == 0) return "size limit";
  std::string digits = std::to_string((*target)->default_limit);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(at, ",");
  return "limit of " + digits + " " + std::string((*target)->limit_counts);
}

Error refusal(const Outgoing& request, const std::string& url, const HttpResponse& response) {
  const auto& size = request.size_error;
  if (size && size->status == response.status &&
      (size->match.empty() || response.body.find(size->match) != std::string::npos)) {
    return data("the command is over " + request.target + "'s " + vendor_limit(request.target) +
                " (" + size->meaning + "); split the profile smaller (cmdm build --limit)");
  }
  return data(request.method + " " + url_for_display(url) + " answered " +
              std::to_string(response.status) + ": " + vendor_text(response.body));
}

// 401 and 403: the vendor refuses these credentials for every request, so the apply stops.
Error credentials_refused(const DispatcherConfig& config, const Outgoing& request,
                          const std::string& url, const HttpResponse& response) {
  return Error::make(ExitCode::kNoPermission, "",
                     request.target + " refused the credentials: " + request.method + " " +
                         url_for_display(url) + " answered " + std::to_string(response.status) +
                         ": " + vendor_text(response.body) + "; check " + credential_keys(config) +
                         " in the configuration");
}

}  // namespace

Result<std::vector<Outgoing>> manifest_requests(const std::string& out_dir,
                                                const emitters::TargetRoute& route,
                                                std::string_view action) {
  auto of = [&](std::string_view a) {
    std::vector<const emitters::Request*> found;
    for (const emitters::Request& r : route.requests) {
      if (r.action == a) found.push_back(&r);
    }
    return found;
  };
  std::vector<const emitters::Request*> chosen = of(action);
  if (chosen.empty() && action == "update") chosen = of("install");
  if (chosen.empty()) {
    return data("the manifest has no " + std::string(action) + " request for target " +
                route.target);
  }
  std::vector<Outgoing> out;
  for (const emitters::Request* r : chosen) {
    Result<std::string> body = read_body(out_dir, *r);
    if (!body) return body.error();
    out.push_back({.target = route.target,
                   .method = r->method,
                   .path = r->path,
                   .content_type = r->content_type,
                   .body = std::move(*body),
                   .success = r->success,
                   .slots = r->slots,
                   .size_error = route.size_error});
  }
  return out;
}

Result<std::vector<Outgoing>> registry_remove_requests(std::string_view target_name,
                                                       const std::string& identifier,
                                                       bool user_scope) {
  Result<const emitters::Target*> target = emitters::find_target(target_name);
  if (!target) return target.error();
  std::vector<Outgoing> out;
  for (const emitters::RequestSpec& spec : (*target)->requests) {
    if (spec.action != "remove") continue;
    Outgoing o{.target = std::string(target_name),
               .method = std::string(spec.method),
               .path = std::string(spec.path),
               .content_type = std::string(spec.content_type),
               .success = spec.success};
    if (spec.body == "remove" && (*target)->remove_body != nullptr) {
      o.body = (*target)->remove_body({.identifier = identifier, .user_scope = user_scope});
    }
    for (const emitters::Slot& s : spec.slots) {
      o.slots.push_back({std::string(s.name), std::string(s.where), std::string(s.placeholder),
                         std::string(s.fill)});
    }
    out.push_back(std::move(o));
  }
  if (out.empty()) return data("target " + std::string(target_name) + " has no remove request");
  return out;
}

bool needs_command_uuid(const std::vector<Outgoing>& requests) {
  return std::any_of(requests.begin(), requests.end(), [](const Outgoing& o) {
    return std::any_of(o.slots.begin(), o.slots.end(),
                       [](const emitters::RequestSlot& s) { return s.name == "command_uuid"; });
  });
}

std::string credential_keys(const DispatcherConfig& config) {
  const std::string& t = config.target;
  if (t == "workspaceone") {
    if (config.workspace_one && config.workspace_one->uses_oauth()) {
      return "WorkspaceONE ClientID and ClientSecret" +
             std::string(config.workspace_one->tenant_code.empty() ? "" : " and TenantCode");
    }
    return "WorkspaceONE Username, Password and TenantCode";
  }
  if (t == "micromdm") return "MicroMDM APIKey";
  if (t == "nanomdm") return "NanoMDM APIKey";
  if (t == "fleet" || t == "fleet-profiles") return "Fleet Token";
  return "the credentials of target " + t;
}

std::string vendor_text(std::string_view body, std::size_t max_bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::size_t end = std::min(body.size(), max_bytes);
  // Never cut inside a UTF-8 sequence.
  while (end < body.size() && end > 0 && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) {
    --end;
  }
  std::string out;
  for (std::size_t i = 0; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    bool c1 = c == 0xC2 && i + 1 < end && static_cast<unsigned char>(body[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(body[i + 1]) <= 0x9F;
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F || c1) {
      unsigned char shown = c1 ? static_cast<unsigned char>(body[++i]) : c;
      out += "\\x";
      out += kHex[shown >> 4];
      out += kHex[shown & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (end < body.size()) out += "…";
  return out;
}

Result<Sent> send_request(const DispatcherConfig& config, const Outgoing& request,
                          const SlotValues& values, Transport& transport, OAuthTokens* tokens) {
  HttpRequest http{.method = request.method, .body = request.body};
  std::string path = request.path;
  if (Status filled = fill_slots(request, values, path, http.body); !filled) return filled.error();
  // The build addresses Workspace ONE devices by UDID; a serial number is searched as one.
  if (request.target == "workspaceone" && values.device_id_is_serial) {
    replace_once(path, "searchby=Udid", "searchby=Serialnumber");
  }
  std::string base = config.server_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  http.url = base + path;
  if (!request.content_type.empty())
    http.headers.emplace_back("Content-Type", request.content_type);
  // Installing or removing a profile twice leaves the device as once, so a lost answer may be
  // retried with the same CommandUUID.
  http.idempotent = true;
  Result<HttpResponse> response = HttpResponse{};
  // A second round only when an OAuth2 token from the cache was refused: it may have expired or
  // been revoked before its time, and a new one settles which.
  for (int round = 0; round < 2; ++round) {
    http.secret_headers.clear();
    if (Status auth = add_authentication(config, tokens, transport, http); !auth) {
      return auth.error();
    }
    response = transport.send(http);
    if (!response) return response.error();
    bool oauth = config.workspace_one && config.workspace_one->uses_oauth() && tokens != nullptr;
    if (!(response->status == 401 && oauth && round == 0 && tokens->refused())) break;
  }
  const std::vector<int>& ok = request.success;
  if (std::find(ok.begin(), ok.end(), response->status) == ok.end()) {
    if (response->status == 401 || response->status == 403) {
      return credentials_refused(config, request, http.url, *response);
    }
    return refusal(request, http.url, *response);
  }
  std::string uuid = values.command_uuid;
  if (uuid.empty()) uuid = reported_command_uuid(response->body);
  return Sent{.status = response->status,
              .command_uuid = uuid,
              .vendor_ref = reported_profile_uuid(response->body),
              .body = std::move(response->body)};
}

}  // namespace cmdm::dispatcher
