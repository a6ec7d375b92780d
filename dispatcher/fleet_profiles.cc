// One change of a part through Fleet's managed profiles API (dispatcher/fleet_profiles.h).
#include "dispatcher/fleet_profiles.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cmdm::dispatcher {
namespace {

using json = nlohmann::json;

constexpr std::string_view kProfiles = "/api/v1/fleet/configuration_profiles";

bool has_slot(const Outgoing& request, std::string_view name) {
  return std::any_of(request.slots.begin(), request.slots.end(),
                     [&](const emitters::RequestSlot& s) { return s.name == name; });
}

// Fleet's profile_uuid of the team's profile with `identifier`; "" when the team has none.
Result<std::string> find_profile(const DispatcherConfig& config, const std::string& team,
                                 std::string_view identifier, Transport& transport,
                                 std::size_t& sent) {
  Outgoing list{.target = config.target,
                .method = "GET",
                .path = std::string(kProfiles) + (team.empty() ? "" : "?team_id=" + team),
                .success = {200}};
  ++sent;
  Result<Sent> answer = send_request(config, list, {}, transport);
  if (!answer) return answer.error();
  json j = json::parse(answer->body, nullptr, false);
  if (!j.is_object() || !j["profiles"].is_array()) {
    return Error::make(ExitCode::kDataError, "",
                       "Fleet's list of configuration profiles is not JSON with `profiles`");
  }
  for (const json& p : j["profiles"]) {
    if (p.is_object() && p.value("identifier", "") == identifier) {
      return p.value("profile_uuid", "");
    }
  }
  return std::string();
}

Result<Sent> delete_profile(const DispatcherConfig& config, const std::string& profile_uuid,
                            Transport& transport, std::size_t& sent) {
  Outgoing remove{.target = config.target,
                  .method = "DELETE",
                  .path = std::string(kProfiles) + "/{fleet_profile_uuid}",
                  .success = {200, 204, 404},
                  .slots = {{"fleet_profile_uuid", "path", "{fleet_profile_uuid}", "the ledger"}}};
  ++sent;
  return send_request(config, remove, {.fleet_profile_uuid = profile_uuid}, transport);
}

// An upload Fleet refused with 409: the team has a profile with this identifier or this display
// name. Ours (same identifier) is replaced; someone else's name is reported.
Result<Sent> replace_conflicting(const DispatcherConfig& config, const Outgoing& upload,
                                 const SlotValues& values, std::string_view identifier,
                                 const Sent& refused, Transport& transport, std::size_t& sent) {
  std::string team = fleet_team_of(upload);
  Result<std::string> existing = find_profile(config, team, identifier, transport, sent);
  if (!existing) return existing.error();
  if (existing->empty()) {
    return Error::make(ExitCode::kDataError, "",
                       "Fleet refused the upload (409: " + vendor_text(refused.body) +
                           "): the team has another profile with this display name; rename one "
                           "(PayloadDisplayName)");
  }
  Result<Sent> deleted = delete_profile(config, *existing, transport, sent);
  if (!deleted) return deleted.error();
  ++sent;
  return send_request(config, upload, values, transport);
}

}  // namespace

std::string fleet_team_of(const Outgoing& upload) {
  constexpr std::string_view kField = "Content-Disposition: form-data; name=\"team_id\"\r\n\r\n";
  std::size_t at = upload.body.find(kField);
  if (at == std::string::npos) return "";
  at += kField.size();
  return upload.body.substr(at, upload.body.find("\r\n", at) - at);
}

Result<Sent> send_fleet_profile_change(const DispatcherConfig& config,
                                       const std::vector<Outgoing>& requests,
                                       const SlotValues& values, std::string_view identifier,
                                       Transport& transport, std::size_t& sent) {
  Result<Sent> last = Sent{};
  SlotValues filled = values;
  for (Outgoing request : requests) {
    const bool deletes = request.method == "DELETE";
    if (deletes && has_slot(request, "fleet_profile_uuid") && filled.fleet_profile_uuid.empty()) {
      // Nothing recorded (installed by hand, or by a ledger before references were kept): look
      // for it by identifier in the team the upload names ("no team" for a remove).
      auto upload = std::find_if(requests.begin(), requests.end(),
                                 [](const Outgoing& r) { return r.method == "POST"; });
      Result<std::string> found =
          find_profile(config, upload == requests.end() ? "" : fleet_team_of(*upload), identifier,
                       transport, sent);
      if (!found) return found.error();
      if (found->empty()) continue;
      filled.fleet_profile_uuid = *found;
    }
    // The answers handled below rather than refused: gone already, or a conflict to resolve.
    request.success.push_back(deletes ? 404 : 409);
    ++sent;
    last = send_request(config, request, filled, transport);
    if (!last) return last;
    if (!deletes && last->status == 409) {
      request.success.pop_back();
      last = replace_conflicting(config, request, filled, identifier, *last, transport, sent);
      if (!last) return last;
    }
  }
  return last;
}

}  // namespace cmdm::dispatcher
