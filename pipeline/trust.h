// Whether a build output or bundle is the one CI signed: manifest.json's detached signature
// (emitters::kManifestSignatureName) must chain to a trusted CA, and every file the manifest lists
// must have the size and SHA-256 it records. A device or relay runs this before acting on a
// bundle, so an output that CI did not sign, or that changed after signing, is refused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"

namespace cmdm::pipeline {

// Checks the signature of `manifest` against `anchors` (CA certificates, PEM or DER). A missing
// signature, an untrusted chain or a changed manifest is ExitCode::kCheckFailed naming
// `where`/manifest.json.
Status verify_manifest_signature(std::string_view manifest, std::string_view signature,
                                 const std::vector<std::string>& anchors, const std::string& where);

// An output directory (OUT of `cmdm build` or `cmdm unbundle`): the signature, then each listed
// file. The first file that differs is named (kCheckFailed); an unreadable one is kIoError.
Status verify_output(const std::string& dir, const std::vector<std::string>& anchors);

// A bundle, streamed: every entry against the manifest (emitters::check_bundle), then the
// signature.
Status verify_bundle(const std::string& path, const std::vector<std::string>& anchors);

}  // namespace cmdm::pipeline
