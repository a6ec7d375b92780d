// `cmdm relay publish BUNDLE`: a bundle CI built and signed becomes installable through the
// relay. Its manifest's signature must chain to the configured build CA and every entry must
// match the manifest (pipeline/trust.h); a tampered or unsigned bundle is refused and nothing is
// stored. The bundle is unpacked under StateDir/bundles/<manifest sha256>/, where the relay
// reads the bytes it sends: a device names a part, never supplies it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plist/diagnostic.h"
#include "relay/config.h"
#include "relay/store.h"

namespace cmdm::relay {

struct Published {
  std::string manifest_sha256;
  std::string directory;
  std::size_t parts = 0;  // parts routed to an MDM for the relay's target
};

// Errors: an unsigned, untrusted or tampered bundle → kCheckFailed; a bundle without the relay's
// target → kDataError; the state directory not writable → kIoError.
Result<Published> publish_bundle(const RelayConfig& config, Store& store,
                                 const std::string& bundle_path);

// Publishes every *.cmdm file in `dir` not published yet (a watched directory); each failure is
// reported through `report` and does not stop the others. Returns how many were published.
std::size_t publish_directory(const RelayConfig& config, Store& store, const std::string& dir,
                              const std::function<void(const std::string&)>& report);

// The build CA's certificates (the file's bytes) as trust anchors.
Result<std::vector<std::string>> build_anchors(const RelayConfig& config);

}  // namespace cmdm::relay
