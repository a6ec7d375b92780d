// The vendors' inventory lookups by serial number (dispatcher/device_lookup.h).
#include "dispatcher/device_lookup.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "dispatcher/sender.h"

namespace cmdm::dispatcher {
namespace {

using json = nlohmann::json;

Error not_known(std::string_view vendor, const std::string& serial) {
  return Error::make(ExitCode::kDataError, "",
                     std::string(vendor) + " knows no device with serial number " + serial +
                         " (DeviceIdentity lookup); is this Mac enrolled?");
}

Error not_json(std::string_view vendor) {
  return Error::make(ExitCode::kDataError, "",
                     std::string(vendor) +
                         "'s answer to the device lookup is not what its API "
                         "documents");
}

// Fleet's "Get host by identifier" takes a UUID, a serial number or a host name.
Result<std::string> fleet_host_uuid(const DispatcherConfig& config, const std::string& serial,
                                    Transport& transport) {
  Outgoing get{.target = config.target,
               .method = "GET",
               .path = "/api/v1/fleet/hosts/identifier/" + serial,
               .success = {200, 404}};
  Result<Sent> answer = send_request(config, get, {}, transport);
  if (!answer) return answer.error();
  if (answer->status == 404) return not_known("Fleet", serial);
  json j = json::parse(answer->body, nullptr, false);
  if (!j.is_object() || !j["host"].is_object() || !j["host"]["uuid"].is_string() ||
      j["host"]["uuid"].get<std::string>().empty()) {
    return not_json("Fleet");
  }
  return j["host"]["uuid"].get<std::string>();
}

// micromdm/micromdm platform/device/get_devices.go: ListDevicesOption's `filter_serial`.
Result<std::string> micromdm_udid(const DispatcherConfig& config, const std::string& serial,
                                  Transport& transport) {
  Outgoing list{.target = config.target,
                .method = "POST",
                .path = "/v1/devices",
                .content_type = "application/json",
                .body = json{{"filter_serial", json::array({serial})}}.dump(),
                .success = {200}};
  Result<Sent> answer = send_request(config, list, {}, transport);
  if (!answer) return answer.error();
  json j = json::parse(answer->body, nullptr, false);
  if (!j.is_object() || !j["devices"].is_array()) return not_json("MicroMDM");
  for (const json& device : j["devices"]) {
    if (device.is_object() && device.value("serial_number", "") == serial &&
        !device.value("udid", "").empty()) {
      return device.value("udid", "");
    }
  }
  return not_known("MicroMDM", serial);
}

}  // namespace

Result<LookedUpDevice> look_up_device_id(const DispatcherConfig& config, const std::string& serial,
                                         Transport& transport, Ledger& ledger) {
  // Serial numbers are letters and digits; anything else would change the request's path.
  if (serial.empty() || !std::all_of(serial.begin(), serial.end(),
                                     [](unsigned char c) { return std::isalnum(c) != 0; })) {
    return Error::make(ExitCode::kDataError, "",
                       "the serial number \"" + vendor_text(serial, 64) +
                           "\" is not letters and digits; set DeviceID");
  }
  const std::string& t = config.target;
  if (t == "workspaceone" || t == "fleet-profiles") {
    // Workspace ONE searches commands by serial number; Fleet's profiles address a team.
    return LookedUpDevice{.device_id = serial, .is_serial = t == "workspaceone"};
  }
  Result<std::optional<std::string>> cached = ledger.device_id(t, config.server_url, serial);
  if (!cached) return cached.error();
  if (*cached) return LookedUpDevice{.device_id = **cached, .from_ledger = true};
  Result<std::string> found = Error::make(
      ExitCode::kUsage, "", "target " + t + " has no inventory API to look the device up in");
  if (t == "fleet") found = fleet_host_uuid(config, serial, transport);
  if (t == "micromdm") found = micromdm_udid(config, serial, transport);
  if (!found) return found.error();
  if (Status kept = ledger.remember_device_id(t, config.server_url, serial, *found); !kept) {
    return kept.error();
  }
  return LookedUpDevice{.device_id = *found};
}

}  // namespace cmdm::dispatcher
