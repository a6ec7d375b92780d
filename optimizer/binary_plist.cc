// Switches to binary plist (bplist00) when the target accepts it and the size it counts comes out
// smaller than the current XML; CoreFoundation tries the binary format first.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

// libplist's binary writer takes time quadratic in the size of a dict (about 1 s for 20,000 keys,
// 77 s for 200,000), so a profile with more values than this is kept XML with a note instead of
// running for minutes. A profile this large is far over any MDM's command limit either way.
constexpr std::size_t kMaxBinaryValues = 50000;

// Values in `v`, counting stops just past `limit`.
std::size_t count_values(const plist::Value& v, std::size_t limit, std::size_t count = 0) {
  ++count;
  if (count > limit) return count;
  if (v.is_array()) {
    for (const plist::Value& item : v.as_array()) {
      count = count_values(item, limit, count);
      if (count > limit) return count;
    }
  } else if (v.is_dict()) {
    for (const plist::DictEntry& e : v.as_dict()) {
      count = count_values(e.value, limit, count + 1);  // the key is an object too
      if (count > limit) return count;
    }
  }
  return count;
}

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
    if (count_values(profile, kMaxBinaryValues) > kMaxBinaryValues) {
      notes.push_back("binary-plist: more than " + std::to_string(kMaxBinaryValues) +
                      " values, past what the binary writer encodes in reasonable time; kept XML");
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
