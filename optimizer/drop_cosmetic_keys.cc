// Removes display-only keys (PayloadDescription, PayloadOrganization, and inside payloads also
// PayloadDisplayName); the device never enforces them. The profile's own display name stays.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class DropCosmeticKeys final : public Pass {
 public:
  Status run(plist::Value& profile, Encoding&, const PassContext&,
             std::vector<std::string>&) override {
    if (!profile.is_dict()) return Ok{};
    for (std::string_view key : kCosmeticTopLevelKeys) profile.as_dict().erase(key);
    plist::Value* content = profile.get("PayloadContent");
    if (!content || !content->is_array()) return Ok{};
    for (plist::Value& payload : content->as_array()) {
      if (!payload.is_dict()) continue;
      for (std::string_view key : kCosmeticPayloadKeys) payload.as_dict().erase(key);
    }
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_drop_cosmetic_keys() { return std::make_unique<DropCosmeticKeys>(); }

}  // namespace cmdm::optimizer
