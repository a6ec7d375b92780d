// Leaves out the <?xml …?> declaration and the DOCTYPE: CoreFoundation assumes UTF-8 without a
// declaration and skips a DOCTYPE it never validates against, so both are pure overhead.
#include <string>

#include "emitters/targets.h"
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class DropXmlHeader final : public Pass {
 public:
  Status run(plist::Value&, Encoding& encoding, const PassContext& context,
             std::vector<std::string>& notes) override {
    encoding.xml.doctype = false;
    if (context.target && context.target->needs_xml_declaration) {
      notes.push_back("drop-xml-header: target " + std::string(context.target->name) +
                      " needs the <?xml declaration; kept it, dropped the DOCTYPE");
      return Ok{};
    }
    encoding.xml.declaration = false;
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_drop_xml_header() { return std::make_unique<DropXmlHeader>(); }

}  // namespace cmdm::optimizer
