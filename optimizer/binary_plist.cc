// Switches to binary plist (bplist00) when the target accepts it and the size it counts comes out
// smaller than the current XML; CoreFoundation tries the binary format first.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class BinaryPlist final : public Pass {
 public:
  Status run(plist::Value& profile, Encoding& encoding, const PassContext& context,
             std::vector<std::string>& notes) override {
    if (encoding.format == Encoding::Format::kBinary) return Ok{};
    if (context.target && !context.target->accepts_binary) {
      notes.push_back("binary-plist: target " + std::string(context.target->name) +
                      " does not accept binary profiles; kept XML");
      return Ok{};
    }
    Encoding binary;
    binary.format = Encoding::Format::kBinary;
    Result<std::string> as_binary = encode(profile, binary);
    if (!as_binary) return as_binary.error();
    Result<std::string> as_xml = encode(profile, encoding);
    if (!as_xml) return as_xml.error();
    // Compare what the target counts, not raw bytes: base64 and escaping can change the order.
    std::size_t binary_size =
        context.target ? context.target->command_size(*as_binary) : as_binary->size();
    std::size_t xml_size = context.target ? context.target->command_size(*as_xml) : as_xml->size();
    if (binary_size < xml_size) {
      encoding = binary;
    } else {
      notes.push_back("binary-plist: binary would be " + std::to_string(binary_size) +
                      ", not smaller than XML at " + std::to_string(xml_size) + "; kept XML");
    }
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_binary_plist() { return std::make_unique<BinaryPlist>(); }

}  // namespace cmdm::optimizer
