// Payload types that macOS installs only through an MDM. cmdm carries the list so that a build
// without `--schemas` never routes such a part `local`, where no person could install it; with
// `--schemas`, Apple's schema (its `allowmanualinstall: false` flags) refreshes it.
#pragma once

#include <string_view>
#include <vector>

namespace cmdm::optimizer {

class SchemaFacts;

// The built-in list, sorted: every payload type Apple's device-management schema marks
// `allowmanualinstall: false` for macOS, plus `com.apple.mdm` (an enrollment is not a setting a
// configuration-management run may install beside the MDM). tests/optimizer/mdm_only_test.cc
// compares it with ../shared/apple-device-management when that checkout is present.
const std::vector<std::string_view>& builtin_mdm_only_types();

// Whether macOS installs `payload_type` only through an MDM: com.apple.mdm always; a type `schema`
// describes by what it says (a newer schema may add or lift the restriction); any other type by
// the built-in list.
bool is_mdm_only(std::string_view payload_type, const SchemaFacts* schema);

}  // namespace cmdm::optimizer
