// Writes the top-level <dict> without the <plist version="1.0"> element around it: CoreFoundation's
// XML parser takes whichever plist element comes first, so the wrapper carries nothing.
#include <string>

#include "emitters/targets.h"
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class BareDict final : public Pass {
 public:
  Status run(plist::Value&, Encoding& encoding, const PassContext& context,
             std::vector<std::string>& notes) override {
    if (context.target && context.target->needs_xml_declaration) {
      notes.push_back("bare-dict: target " + std::string(context.target->name) +
                      " needs the <?xml declaration; kept the <plist> element");
      return Ok{};
    }
    encoding.xml.declaration = false;
    encoding.xml.doctype = false;
    encoding.xml.plist_element = false;
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_bare_dict() { return std::make_unique<BareDict>(); }

}  // namespace cmdm::optimizer
