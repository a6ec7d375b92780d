// Removes keys that Apple's schema does not list for a closed payload type: the device ignores
// them. Open types (custom settings, app domains, types the schema does not describe) are
// untouched.
#include "optimizer/passes.h"

namespace cmdm::optimizer {

namespace {

class DropUnknownKeys final : public Pass {
 public:
  Status run(plist::Value& profile, Encoding&, const PassContext& context,
             std::vector<std::string>& notes) override {
    if (!context.schema) {
      notes.push_back("drop-unknown-keys: no schema (--schemas DIR or CMDM_SCHEMAS); did nothing");
      return Ok{};
    }
    plist::Value* content = profile.get("PayloadContent");
    if (!content || !content->is_array()) return Ok{};
    for (plist::Value& payload : content->as_array()) {
      const std::string* type_ptr = payload.get_string("PayloadType");
      // A copy: erasing entries below moves the string the pointer refers to.
      const std::string type = type_ptr ? *type_ptr : "";
      if (!type_ptr || context.schema->kind(type) != SchemaFacts::Kind::kClosed) continue;
      std::vector<plist::DictEntry>& entries = payload.as_dict().entries();
      std::erase_if(entries, [&](const plist::DictEntry& e) {
        return !is_common_payload_key(e.key) && !context.schema->knows_key(type, e.key);
      });
    }
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Pass> make_drop_unknown_keys() { return std::make_unique<DropUnknownKeys>(); }

}  // namespace cmdm::optimizer
