// The rules each fake vendor server enforces, as plain functions from a request to an outcome, so
// they can be read (and tested) apart from the HTTP plumbing in fake_mdm.cc. Each rule cites the
// vendor source or document it comes from.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plist/diagnostic.h"
#include "testworld/fake_mdm.h"

namespace cmdm::testworld {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names in lower case
  // A multipart/form-data body, by field (the HTTP layer parses it; `body` is then empty).
  std::vector<std::pair<std::string, std::string>> form;

  std::string header(const std::string& lower_name) const;
  std::string query_value(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An Apple MDM command, as far as the device emulator needs it.
struct MdmCommand {
  std::string command_uuid;
  std::string request_type;
  std::string payload;     // InstallProfile: the profile bytes (Payload)
  std::string identifier;  // RemoveProfile: the profile identifier (Identifier)
};

// What the server does with a request: the answer, and the command it accepted (if any) with the
// devices it is for.
struct Outcome {
  HttpResponse response;
  std::string command_uuid;  // counted even when refused, when the request names one
  std::optional<MdmCommand> accepted;
  std::vector<std::string> devices;
};

// A Fleet managed configuration profile the fake keeps (POST /api/v1/fleet/configuration_profiles).
struct FleetProfile {
  std::string profile_uuid;  // "a" + a UUID, as Fleet names Apple profiles
  std::string team_id;       // "" for "no team"
  std::string name;          // PayloadDisplayName: unique per team
  std::string identifier;    // PayloadIdentifier: unique per team
};
struct FleetProfileStore {
  std::mutex mu;
  std::vector<FleetProfile> profiles;
};

// What a contract may ask of the server around it.
struct ContractContext {
  const Credentials& credentials;
  std::size_t fleet_body_limit;
  std::function<bool(const std::string&)> known_device;
  // Records a CommandUUID; false when the server has seen it before.
  std::function<bool(const std::string&)> claim_command_uuid;
  std::function<std::string()> new_command_uuid;
  // OAuth2: issues a token living `lifetime_s`, counted; true when `token` was issued and has not
  // expired.
  std::function<std::string()> issue_token;
  std::function<bool(const std::string&)> token_valid;
  int token_lifetime_s = 3600;
  // Fleet's managed profiles (null for other vendors); every known device, for team-wide profiles.
  FleetProfileStore* fleet_profiles = nullptr;
  std::function<std::vector<std::string>()> all_devices;
  // The id the vendor knows the device with this serial number by; "" when unknown.
  std::function<std::string(const std::string&)> device_for_serial;
};

// The contract of a vendor: nullopt when the request is not for one of its endpoints (404).
using Contract = std::optional<Outcome> (*)(const HttpRequest&, ContractContext&);
Contract contract_for(Vendor vendor);

// Reads an Apple command dict (`Command` contents, no CommandUUID) from plist bytes.
Result<MdmCommand> decode_command_dict(std::string_view bytes);
// Reads a full command plist ({Command: {...}, CommandUUID}).
Result<MdmCommand> decode_command_plist(std::string_view bytes);

// Characters of `utf8` in UTF-16 code units, as Workspace ONE counts CommandXml. Written here
// again rather than taken from emitters/ so that the fake checks the build's count independently.
std::size_t utf16_units(std::string_view utf8);

}  // namespace cmdm::testworld
