// Removes the top-level ConsentText for MDM targets: it is shown only when a person installs the
// profile by hand, which an MDM-delivered profile never is.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class DropConsentText final : public Pass {
 public:
  Status run(plist::Value& profile, Encoding&, const PassContext& context,
             std::vector<std::string>& notes) override {
    if (!profile.is_dict() || !profile.as_dict().contains("ConsentText")) return Ok{};
    if (context.target && !context.target->is_mdm) {
      notes.push_back("drop-consent-text: target " + std::string(context.target->name) +
                      " installs by hand, where the consent text is shown; kept it");
      return Ok{};
    }
    profile.as_dict().erase("ConsentText");
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_drop_consent_text() { return std::make_unique<DropConsentText>(); }

}  // namespace cmdm::optimizer
