// The four vendor contracts. Each rule names where it comes from: the vendor's source (repository
// path) or documentation; where neither says, the comment says the answer is the fake's own.
#include "testworld/vendor_contracts.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "plist/base64.h"
#include "plist/reader.h"

namespace cmdm::testworld {

namespace {

using json = nlohmann::ordered_json;

std::string dump(const json& j, int indent = -1, char indent_char = ' ') {
  return j.dump(indent, indent_char, false, json::error_handler_t::replace);
}

HttpResponse json_response(int status, const json& body, int indent = -1, char indent_char = ' ') {
  return HttpResponse{.status = status, .body = dump(body, indent, indent_char) + "\n"};
}

Outcome answer(HttpResponse response, std::string command_uuid = {}) {
  return Outcome{.response = std::move(response), .command_uuid = std::move(command_uuid)};
}

// HTTP basic authentication: "Authorization: Basic base64(user:password)".
bool basic_auth_is(const HttpRequest& req, const std::string& user, const std::string& password) {
  std::string value = req.header("authorization");
  if (value.rfind("Basic ", 0) != 0) return false;
  auto decoded = plist::base64_decode(value.substr(6));
  if (!decoded) return false;
  return std::string(decoded->begin(), decoded->end()) == user + ":" + password;
}

std::optional<json> parse_json(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

Outcome accept(MdmCommand command, std::vector<std::string> devices, HttpResponse response) {
  Outcome out = answer(std::move(response), command.command_uuid);
  out.accepted = std::move(command);
  out.devices = std::move(devices);
  return out;
}

// ---- Workspace ONE ---------------------------------------------------------------------------
// Endpoint and body: docs/targets.md (VMware AirWatch REST API Guide, "Custom MDM command"). The
// 2,000-character limit and its answer (422, errorCode 1012) are what DESIGN.md records. The
// bodies of 400/401/404 are the fake's own: the runtime must rely only on their status.

HttpResponse wso_error(int status, int code, const std::string& message) {
  return json_response(status, {{"errorCode", code}, {"message", message}});
}

// application/x-www-form-urlencoded fields (RFC 6749 §4.4.2 sends the token request so).
std::map<std::string, std::string> form_fields(const std::string& body) {
  auto decode = [](std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '+') {
        out += ' ';
      } else if (text[i] == '%' && i + 2 < text.size() &&
                 std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  };
  std::map<std::string, std::string> fields;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t end = body.find('&', pos);
    if (end == std::string::npos) end = body.size();
    std::string_view field(body.data() + pos, end - pos);
    std::size_t eq = field.find('=');
    if (eq != std::string_view::npos)
      fields[decode(field.substr(0, eq))] = decode(field.substr(eq + 1));
    pos = end + 1;
  }
  return fields;
}

// The token service (Workspace ONE's is https://REGION.uemauth.vmwservices.com/connect/token, an
// IdentityServer): client credentials in the form body; an unknown client is 400
// {"error": "invalid_client"} (RFC 6749 §5.2).
Outcome workspaceone_token(const HttpRequest& req, ContractContext& ctx) {
  std::map<std::string, std::string> form = form_fields(req.body);
  if (form["grant_type"] != "client_credentials") {
    return answer(json_response(400, {{"error", "unsupported_grant_type"}}));
  }
  const Credentials& c = ctx.credentials;
  if (form["client_id"] != c.client_id || form["client_secret"] != c.client_secret) {
    return answer(json_response(400, {{"error", "invalid_client"}}));
  }
  return answer(json_response(200, {{"access_token", ctx.issue_token()},
                                    {"expires_in", ctx.token_lifetime_s},
                                    {"token_type", "Bearer"},
                                    {"scope", "api"}}));
}

// Basic authentication with the API user and aw-tenant-code, or an OAuth2 bearer token the token
// service issued and that has not expired (the tenant code is then not needed).
bool workspaceone_authenticated(const HttpRequest& req, ContractContext& ctx) {
  const Credentials& c = ctx.credentials;
  std::string authorization = req.header("authorization");
  if (authorization.rfind("Bearer ", 0) == 0) return ctx.token_valid(authorization.substr(7));
  return basic_auth_is(req, c.username, c.password) &&
         req.header("aw-tenant-code") == c.tenant_code;
}

std::optional<Outcome> workspaceone(const HttpRequest& req, ContractContext& ctx) {
  if (req.path == "/connect/token" && req.method == "POST") return workspaceone_token(req, ctx);
  if (req.path != "/API/mdm/devices/commands" || req.method != "POST") return std::nullopt;
  if (!workspaceone_authenticated(req, ctx)) {
    return answer(wso_error(401, 401, "Unauthorized: credentials or aw-tenant-code rejected"));
  }
  // searchby names what `id` is: Udid, Serialnumber (also Macaddress, DeviceId, ImeiNumber, not
  // emulated).
  std::string searchby = req.query_value("searchby");
  if (req.query_value("command") != "CustomMdmCommand" ||
      (searchby != "Udid" && searchby != "Serialnumber")) {
    return answer(
        wso_error(400, 400, "expected command=CustomMdmCommand&searchby=Udid or Serialnumber"));
  }
  std::string id = req.query_value("id");
  std::string udid = searchby == "Udid" ? id : ctx.device_for_serial(id);
  if (!ctx.known_device(udid)) return answer(wso_error(404, 404, "Device not found: " + id));
  std::optional<json> body = parse_json(req.body);
  if (!body || !body->is_object() || !body->contains("CommandXml") ||
      !(*body)["CommandXml"].is_string()) {
    return answer(wso_error(400, 400, "the body must be JSON with a CommandXml string"));
  }
  std::string xml = (*body)["CommandXml"].get<std::string>();
  if (utf16_units(xml) > 2000) {
    return answer(json_response(422, {{"errorCode", 1012},
                                      {"message", "CommandXml length cannot be greater than 2000"},
                                      {"activityId", ctx.new_command_uuid()}}));
  }
  Result<MdmCommand> command = decode_command_dict(xml);
  if (!command) return answer(wso_error(400, 400, "CommandXml is not a command dictionary"));
  command->command_uuid = ctx.new_command_uuid();
  return accept(std::move(*command), {udid}, HttpResponse{.status = 202, .body = ""});
}

// ---- MicroMDM --------------------------------------------------------------------------------

// micromdm/micromdm pkg/httputil/httputil.go (RequireBasicAuth, ErrorEncoder: 500 by default).
HttpResponse micromdm_error(const std::string& message) {
  return json_response(500, {{"error", message}}, 2);
}

// JSON body of platform/command/new_command.go (mdm.CommandRequest): udid, request_type, and the
// command's own fields; `payload` is a Go []byte, so base64.
Result<MdmCommand> micromdm_command(const json& body) {
  MdmCommand cmd;
  cmd.request_type = body.value("request_type", "");
  if (cmd.request_type == "InstallProfile") {
    auto bytes = plist::base64_decode(body.value("payload", ""));
    if (!bytes) return Error::make(ExitCode::kDataError, "", "illegal base64 data in payload");
    cmd.payload.assign(bytes->begin(), bytes->end());
  } else if (cmd.request_type == "RemoveProfile") {
    cmd.identifier = body.value("identifier", "");
  }
  return cmd;
}

// platform/device/get_devices.go: POST /v1/devices with ListDevicesOption (`filter_serial`, a
// list) answers {"devices": [Device…]}, each with `udid` and `serial_number`.
Outcome micromdm_devices(const HttpRequest& req, ContractContext& ctx) {
  std::optional<json> body = parse_json(req.body.empty() ? "{}" : req.body);
  if (!body || !body->is_object()) return answer(micromdm_error("decoding list devices request"));
  json devices = json::array();
  for (const json& serial : body->value("filter_serial", json::array())) {
    if (!serial.is_string()) continue;
    std::string udid = ctx.device_for_serial(serial.get<std::string>());
    if (!udid.empty()) {
      devices.push_back({{"udid", udid}, {"serial_number", serial}, {"enrolled", true}});
    }
  }
  return answer(json_response(200, {{"devices", devices}}, 2));
}

std::optional<Outcome> micromdm(const HttpRequest& req, ContractContext& ctx) {
  const bool list = req.path == "/v1/devices" && (req.method == "POST" || req.method == "GET");
  if (!list && (req.path != "/v1/commands" || req.method != "POST")) return std::nullopt;
  if (!basic_auth_is(req, "micromdm", ctx.credentials.password)) {
    HttpResponse r{.status = 401, .content_type = "text/plain", .body = "Authorization Required\n"};
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"micromdm\"");
    return answer(std::move(r));
  }
  if (list) return micromdm_devices(req, ctx);
  std::optional<json> body = parse_json(req.body);
  if (!body || !body->is_object()) return answer(micromdm_error("decoding command request"));
  std::string udid = body->value("udid", "");
  // platform/command/new_command.go: errEmptyRequest when udid or request_type is empty.
  if (udid.empty() || body->value("request_type", "").empty()) {
    return answer(micromdm_error("request must contain UDID of the device"));
  }
  Result<MdmCommand> command = micromdm_command(*body);
  if (!command) return answer(micromdm_error(command.error().diagnostics[0].message));
  command->command_uuid = ctx.new_command_uuid();
  // newCommandResponse.StatusCode() is 201; MicroMDM queues for any UDID, enrolled or not, so an
  // unknown one is accepted and simply never delivered.
  json payload = {{"payload",
                   {{"command_uuid", command->command_uuid},
                    {"command", {{"request_type", command->request_type}}}}}};
  std::vector<std::string> devices;
  if (ctx.known_device(udid)) devices.push_back(udid);
  return accept(std::move(*command), std::move(devices), json_response(201, payload, 2));
}

// ---- NanoMDM ---------------------------------------------------------------------------------

// micromdm/nanomdm http/api/api.go writeAPIResult: the APIResult as tab-indented JSON; any
// enqueue error is a 500 with "command_error" (api/api.go code()).
HttpResponse nanomdm_error(const std::string& message) {
  return json_response(500, {{"command_error", message}}, 1, '\t');
}

std::vector<std::string> split_ids(const std::string& text) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    ids.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return ids;
}

// MySQL's MEDIUMTEXT, the type of nano_commands.command (storage/mysql/schema.sql).
constexpr std::size_t kMediumTextBytes = 16777215;

// The other storage rules of storage/mysql/schema.sql: CHECK (SUBSTRING(command FROM 1 FOR 5) =
// '<?xml'), PRIMARY KEY (command_uuid), and enrollment_queue's foreign key to enrollments (every id
// must be enrolled).
std::optional<std::string> nanomdm_storage_refusal(const HttpRequest& req, const MdmCommand& cmd,
                                                   const std::vector<std::string>& ids,
                                                   ContractContext& ctx) {
  if (req.body.rfind("<?xml", 0) != 0) return "Check constraint 'nano_commands_chk_3' is violated";
  for (const std::string& id : ids) {
    if (!ctx.known_device(id)) return "foreign key constraint fails: enrollment " + id;
  }
  if (!ctx.claim_command_uuid(cmd.command_uuid)) {
    return "Duplicate entry '" + cmd.command_uuid + "' for key 'PRIMARY'";
  }
  return std::nullopt;
}

std::optional<Outcome> nanomdm(const HttpRequest& req, ContractContext& ctx) {
  const std::string prefix = "/v1/enqueue/";
  if (req.path.rfind(prefix, 0) != 0) return std::nullopt;
  if (!basic_auth_is(req, "nanomdm", ctx.credentials.password)) {
    return answer(
        HttpResponse{.status = 401, .content_type = "text/plain", .body = "Unauthorized\n"});
  }
  std::vector<std::string> ids = split_ids(req.path.substr(prefix.size()));
  // NanoMDM decodes before it stores, but both refusals are the same 500; checking the size first
  // spares decoding a 16 MiB plist (seconds in sanitizer builds).
  if (req.body.size() > kMediumTextBytes) {
    return answer(nanomdm_error("enqueue: Data too long for column 'command'"));
  }
  // mdm/command.go DecodeCommand: a plist with CommandUUID and Command.RequestType.
  Result<MdmCommand> command = decode_command_plist(req.body);
  if (!command) return answer(nanomdm_error("decoding command: invalid command"));
  std::string uuid = command->command_uuid;
  if (auto refusal = nanomdm_storage_refusal(req, *command, ids, ctx)) {
    return answer(nanomdm_error("enqueue: " + *refusal), uuid);
  }
  bool no_push = !req.query_value("nopush").empty();
  json result = json::object();
  if (!no_push) {
    json status = json::object();
    for (const std::string& id : ids) status[id] = {{"push_result", ctx.new_command_uuid()}};
    result["status"] = status;
  } else {
    result["no_push"] = true;
  }
  result["command_uuid"] = uuid;
  result["request_type"] = command->request_type;
  return accept(std::move(*command), ids, json_response(200, result, 1, '\t'));
}

// ---- Fleet -----------------------------------------------------------------------------------
// fleetdm/fleet server/service/apple_mdm.go (RunMDMCommand, enqueueAppleMDMCommand) and the REST
// API docs ("Run MDM command": 200 with command_uuid and request_type). Errors have Fleet's shape
// {"message", "errors": [{"name", "reason"}]}.

HttpResponse fleet_error(int status, const std::string& name, const std::string& reason) {
  return json_response(
      status, {{"message", status == 401 ? "Authentication required" : "Validation Failed"},
               {"errors", json::array({{{"name", name}, {"reason", reason}}})}});
}

// server.Base64DecodePaddingAgnostic: padded and unpadded base64 are both accepted.
std::optional<std::string> decode_padding_agnostic(std::string text) {
  while (text.size() % 4 != 0) text += '=';
  auto bytes = plist::base64_decode(text);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

// The hosts named: 404 when none is known, 400 when only some are (nano_enrollments' foreign key).
std::optional<Outcome> fleet_host_refusal(const std::vector<std::string>& hosts,
                                          ContractContext& ctx) {
  std::size_t known = 0;
  for (const std::string& h : hosts) known += ctx.known_device(h) ? 1 : 0;
  if (known == 0) {
    return answer(
        fleet_error(404, "host_uuids", "No hosts targeted. Make sure you provide a valid UUID."));
  }
  if (known < hosts.size()) {
    return answer(fleet_error(400, "device_ids",
                              "at least one of the hosts is not enrolled in MDM or is not an "
                              "elegible device"));
  }
  return std::nullopt;
}

Outcome fleet_command(const HttpRequest& req, ContractContext& ctx) {
  if (req.body.size() > ctx.fleet_body_limit) {
    return answer(fleet_error(413, "base", "request body too large"));
  }
  std::optional<json> body = parse_json(req.body);
  if (!body || !body->is_object() || !(*body)["command"].is_string() ||
      !(*body)["host_uuids"].is_array()) {
    return answer(fleet_error(400, "base", "expected JSON with command and host_uuids"));
  }
  std::vector<std::string> hosts;
  for (const json& h : (*body)["host_uuids"])
    hosts.push_back(h.is_string() ? h.get<std::string>() : "");
  if (auto refused = fleet_host_refusal(hosts, ctx)) return *refused;
  std::optional<std::string> plist = decode_padding_agnostic((*body)["command"].get<std::string>());
  if (!plist) return answer(fleet_error(400, "command", "unable to decode base64 command"));
  Result<MdmCommand> command = decode_command_plist(*plist);
  if (!command) return answer(fleet_error(415, "command", "unable to decode plist command"));
  std::string uuid = command->command_uuid;
  // The command goes to NanoMDM's storage (PRIMARY KEY command_uuid); Fleet passes the duplicate
  // key error on as an internal error.
  if (!ctx.claim_command_uuid(uuid)) {
    return answer(fleet_error(500, "base", "enqueue command: Duplicate entry '" + uuid + "'"),
                  uuid);
  }
  json result = {
      {"command_uuid", uuid}, {"request_type", command->request_type}, {"platform", "darwin"}};
  return accept(std::move(*command), hosts, json_response(200, result));
}

// ---- Fleet managed profiles -------------------------------------------------------------------
// fleetdm/fleet REST API docs ("Add custom OS setting (configuration profile)": multipart
// `profile`, `team_id`, `labels_include_all`; 200 {"profile_uuid"}; "List custom OS settings";
// "Delete custom OS setting"), server/datastore/mysql/schema.sql (mdm_apple_configuration_profiles:
// UNIQUE (team_id, identifier) and (team_id, name), so a second upload is 409). Fleet delivers a
// team's profiles to every host of the team; the fake's devices are all in every team.

Outcome fleet_add_profile(const HttpRequest& req, ContractContext& ctx) {
  std::size_t size = 0;
  std::string profile, team;
  for (const auto& [name, value] : req.form) {
    size += value.size();
    if (name == "profile") profile = value;
    if (name == "team_id") team = value;
  }
  if (size > ctx.fleet_body_limit) {
    return answer(fleet_error(413, "base", "request body too large"));
  }
  if (req.form.empty())
    return answer(fleet_error(400, "base", "expected a multipart/form-data body"));
  Result<plist::Document> doc = plist::read(profile);
  const std::string* identifier = doc ? doc->root.get_string("PayloadIdentifier") : nullptr;
  const std::string* display = doc ? doc->root.get_string("PayloadDisplayName") : nullptr;
  if (!identifier || identifier->empty()) {
    return answer(fleet_error(400, "profile", "Couldn't add. The file should include valid XML."));
  }
  std::string name = display && !display->empty() ? *display : *identifier;
  FleetProfile stored{.profile_uuid = "a" + ctx.new_command_uuid(),
                      .team_id = team,
                      .name = name,
                      .identifier = *identifier};
  {
    std::lock_guard<std::mutex> lock(ctx.fleet_profiles->mu);
    for (const FleetProfile& p : ctx.fleet_profiles->profiles) {
      if (p.team_id != team) continue;
      if (p.identifier == *identifier || p.name == name) {
        return answer(
            fleet_error(409, "PayloadDisplayName",
                        "Couldn't add. A configuration profile with this " +
                            std::string(p.identifier == *identifier ? "identifier" : "name") +
                            " already exists in this team."));
      }
    }
    ctx.fleet_profiles->profiles.push_back(stored);
  }
  MdmCommand install{
      .command_uuid = ctx.new_command_uuid(), .request_type = "InstallProfile", .payload = profile};
  return accept(std::move(install), ctx.all_devices(),
                json_response(200, {{"profile_uuid", stored.profile_uuid}}));
}

Outcome fleet_list_profiles(const HttpRequest& req, ContractContext& ctx) {
  std::string team = req.query_value("team_id");
  json list = json::array();
  std::lock_guard<std::mutex> lock(ctx.fleet_profiles->mu);
  for (const FleetProfile& p : ctx.fleet_profiles->profiles) {
    if (p.team_id != team) continue;
    list.push_back({{"profile_uuid", p.profile_uuid},
                    {"team_id", team.empty() ? 0 : std::stoi(team)},
                    {"name", p.name},
                    {"platform", "darwin"},
                    {"identifier", p.identifier}});
  }
  return answer(json_response(
      200, {{"profiles", list},
            {"meta", {{"has_next_results", false}, {"has_previous_results", false}}}}));
}

Outcome fleet_delete_profile(const std::string& uuid, ContractContext& ctx) {
  std::string identifier;
  {
    std::lock_guard<std::mutex> lock(ctx.fleet_profiles->mu);
    auto& profiles = ctx.fleet_profiles->profiles;
    auto it = std::find_if(profiles.begin(), profiles.end(),
                           [&](const FleetProfile& p) { return p.profile_uuid == uuid; });
    if (it == profiles.end()) {
      return answer(fleet_error(404, "base", "Resource Not Found"));
    }
    identifier = it->identifier;
    profiles.erase(it);
  }
  MdmCommand remove{.command_uuid = ctx.new_command_uuid(),
                    .request_type = "RemoveProfile",
                    .identifier = identifier};
  return accept(std::move(remove), ctx.all_devices(), json_response(200, json::object()));
}

// "Get host by identifier": GET /api/v1/fleet/hosts/identifier/{uuid, serial or hostname}.
Outcome fleet_host_by_identifier(const std::string& identifier, ContractContext& ctx) {
  std::string uuid = ctx.known_device(identifier) ? identifier : ctx.device_for_serial(identifier);
  if (uuid.empty()) return answer(fleet_error(404, "base", "Resource Not Found"));
  return answer(json_response(
      200, {{"host", {{"uuid", uuid}, {"hardware_serial", identifier}, {"platform", "darwin"}}}}));
}

std::optional<Outcome> fleet(const HttpRequest& req, ContractContext& ctx) {
  constexpr std::string_view kProfiles = "/api/v1/fleet/configuration_profiles";
  constexpr std::string_view kHosts = "/api/v1/fleet/hosts/identifier/";
  const std::string& path = req.path;
  const bool command = path == "/api/v1/fleet/commands/run" && req.method == "POST";
  const bool profiles = path == kProfiles && (req.method == "POST" || req.method == "GET");
  const bool profile = path.rfind(std::string(kProfiles) + "/", 0) == 0 && req.method == "DELETE";
  const bool host = path.rfind(kHosts, 0) == 0 && req.method == "GET";
  if (!command && !profiles && !profile && !host) return std::nullopt;
  if (req.header("authorization") != "Bearer " + ctx.credentials.token) {
    return answer(fleet_error(401, "base", "Authentication required"));
  }
  if (command) return fleet_command(req, ctx);
  if (host) return fleet_host_by_identifier(path.substr(kHosts.size()), ctx);
  if (profile) return fleet_delete_profile(path.substr(kProfiles.size() + 1), ctx);
  return req.method == "POST" ? fleet_add_profile(req, ctx) : fleet_list_profiles(req, ctx);
}

Result<MdmCommand> command_from_dict(const plist::Value& dict) {
  MdmCommand cmd;
  const std::string* type = dict.get_string("RequestType");
  if (!type || type->empty()) return Error::make(ExitCode::kDataError, "", "no RequestType");
  cmd.request_type = *type;
  if (const plist::Value* payload = dict.get("Payload"); payload && payload->is_data()) {
    cmd.payload.assign(payload->as_data().begin(), payload->as_data().end());
  }
  if (const std::string* id = dict.get_string("Identifier")) cmd.identifier = *id;
  return cmd;
}

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::query_value(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::size_t utf16_units(std::string_view utf8) {
  std::size_t units = 0;
  for (unsigned char c : utf8) {
    if (c >= 0x80 && c < 0xC0) continue;  // continuation bytes add nothing
    units += c >= 0xF0 ? 2 : 1;           // four-byte sequences are surrogate pairs in UTF-16
  }
  return units;
}

Result<MdmCommand> decode_command_dict(std::string_view bytes) {
  Result<plist::Document> doc = plist::read(bytes);
  if (!doc) return doc.error();
  if (!doc->root.is_dict()) return Error::make(ExitCode::kDataError, "", "not a dict");
  return command_from_dict(doc->root);
}

Result<MdmCommand> decode_command_plist(std::string_view bytes) {
  Result<plist::Document> doc = plist::read(bytes);
  if (!doc) return doc.error();
  const plist::Value* command = doc->root.get("Command");
  const std::string* uuid = doc->root.get_string("CommandUUID");
  if (!command || !command->is_dict() || !uuid || uuid->empty()) {
    return Error::make(ExitCode::kDataError, "", "no Command dict or CommandUUID");
  }
  Result<MdmCommand> cmd = command_from_dict(*command);
  if (cmd) cmd->command_uuid = *uuid;
  return cmd;
}

Contract contract_for(Vendor vendor) {
  switch (vendor) {
    case Vendor::kWorkspaceOne:
      return workspaceone;
    case Vendor::kMicroMdm:
      return micromdm;
    case Vendor::kNanoMdm:
      return nanomdm;
    case Vendor::kFleet:
      return fleet;
  }
  return micromdm;
}

}  // namespace cmdm::testworld
