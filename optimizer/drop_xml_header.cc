// Leaves out the <?xml …?> declaration and the DOCTYPE: CoreFoundation assumes UTF-8 without a
// declaration and skips a DOCTYPE it never validates against, so both are pure overhead.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class DropXmlHeader final : public Pass {
 public:
  Status run(plist::Value&, Encoding& encoding, const PassContext&,
             std::vector<std::string>&) override {
    encoding.xml.declaration = false;
    encoding.xml.doctype = false;
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_drop_xml_header() { return std::make_unique<DropXmlHeader>(); }

}  // namespace cmdm::optimizer
