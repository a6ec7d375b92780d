// Writes the top-level <dict> without the <plist version="1.0"> element around it: CoreFoundation's
// XML parser takes whichever plist element comes first, so the wrapper carries nothing.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class BareDict final : public Pass {
 public:
  Status run(plist::Value&, Encoding& encoding, const PassContext&,
             std::vector<std::string>&) override {
    encoding.xml.declaration = false;
    encoding.xml.doctype = false;
    encoding.xml.plist_element = false;
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_bare_dict() { return std::make_unique<BareDict>(); }

}  // namespace cmdm::optimizer
