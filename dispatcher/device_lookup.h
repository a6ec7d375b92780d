// DeviceIdentity lookup: the id the vendor knows this Mac by, asked of the vendor's inventory API
// with the Mac's serial number, and kept in the ledger so later runs do not ask again
// (docs/dispatcher.md "Device id").
#pragma once

#include <string>

#include "dispatcher/config.h"
#include "dispatcher/ledger.h"
#include "dispatcher/transport.h"
#include "plist/diagnostic.h"

namespace cmdm::dispatcher {

struct LookedUpDevice {
  std::string device_id;
  bool is_serial = false;  // the vendor takes the serial number itself (Workspace ONE)
  bool from_ledger = false;
};

// Fleet: GET /api/v1/fleet/hosts/identifier/{serial} → host.uuid; MicroMDM: POST /v1/devices
// {"filter_serial": [serial]} → devices[0].udid; Workspace ONE: the serial itself (its command
// API searches by Serialnumber). Errors: a serial that is not letters and digits or a vendor that
// does not know it (kDataError), refused credentials (kNoPermission), an unreachable server
// (kUnavailable), a target without an inventory (kUsage; the configuration refuses it first).
Result<LookedUpDevice> look_up_device_id(const DispatcherConfig& config, const std::string& serial,
                                         Transport& transport, Ledger& ledger);

}  // namespace cmdm::dispatcher
