// The few facts of Apple's payload schemas that the passes and the splitter need.
#include "optimizer/schema.h"

namespace cmdm::optimizer {

SchemaFacts::Kind SchemaFacts::kind(std::string_view payload_type) const {
  auto it = types_.find(payload_type);
  if (it == types_.end()) return Kind::kUnknown;
  return it->second.open ? Kind::kOpen : Kind::kClosed;
}

bool SchemaFacts::knows_key(std::string_view payload_type, std::string_view key) const {
  if (common_keys_.count(key)) return true;
  auto it = types_.find(payload_type);
  return it != types_.end() && (it->second.open || it->second.keys.count(std::string(key)));
}

bool SchemaFacts::macos_multiple(std::string_view payload_type) const {
  auto it = types_.find(payload_type);
  return it != types_.end() && it->second.macos_multiple;
}

bool SchemaFacts::macos_manual_install(std::string_view payload_type) const {
  auto it = types_.find(payload_type);
  return it == types_.end() || it->second.macos_manual_install;
}

std::vector<std::string> SchemaFacts::mdm_only_types() const {
  std::vector<std::string> out;
  for (const auto& [name, type] : types_) {
    if (!type.macos_manual_install) out.push_back(name);
  }
  return out;
}

}  // namespace cmdm::optimizer
