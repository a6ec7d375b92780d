#include "optimizer/mdm_only.h"

#include <algorithm>

#include "optimizer/schema.h"

namespace cmdm::optimizer {

namespace {

constexpr std::string_view kEnrollment = "com.apple.mdm";

}  // namespace

const std::vector<std::string_view>& builtin_mdm_only_types() {
  // From Apple's device-management schema (mdm/profiles/*.yaml, supportedOS.macOS.
  // allowmanualinstall: false), sorted for binary search.
  static const std::vector<std::string_view> kTypes = {
      "com.apple.TCC.configuration-profile-policy",   // privacy preferences (PPPC)
      "com.apple.asam",                               // autonomous single app mode
      "com.apple.extensiblesso",                      // extensible single sign-on
      "com.apple.fileproviderd",                      // file provider
      "com.apple.lom",                                // lights-out management
      "com.apple.mdm",                                // MDM enrollment
      "com.apple.servicemanagement",                  // managed login items
      "com.apple.syspolicy.kernel-extension-policy",  // kernel extensions
      "com.apple.system-extension-policy",            // system extensions
  };
  return kTypes;
}

bool is_mdm_only(std::string_view payload_type, const SchemaFacts* schema) {
  if (payload_type == kEnrollment) return true;
  if (schema != nullptr && schema->kind(payload_type) != SchemaFacts::Kind::kUnknown) {
    return !schema->macos_manual_install(payload_type);
  }
  const std::vector<std::string_view>& types = builtin_mdm_only_types();
  return std::binary_search(types.begin(), types.end(), payload_type);
}

}  // namespace cmdm::optimizer
