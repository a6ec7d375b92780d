// A Workspace ONE-like target for tests: the command is the inner CommandXml dict, counted in
// characters. The registry's real target must count the same (see size_model_test.cc).
#pragma once

#include <string>
#include <string_view>

#include "emitters/targets.h"
#include "plist/base64.h"

namespace cmdm::optimizer::testing {

inline std::string command_xml(std::string_view profile) {
  return "<dict><key>RequestType</key><string>InstallProfile</string><key>Payload</key><data>" +
         plist::base64_encode(profile) + "</data></dict>";
}

inline std::size_t command_xml_size(std::string_view profile) {
  return command_xml(profile).size();
}

inline emitters::Target make_target(std::string_view name, std::size_t limit, bool binary,
                                    bool mdm) {
  emitters::Target t{};
  t.name = name;
  t.default_limit = limit;
  t.accepts_signed = true;
  t.accepts_binary = binary;
  t.is_mdm = mdm;
  t.command_size = command_xml_size;
  return t;
}

inline const emitters::Target& fake_workspaceone() {
  static const emitters::Target t = make_target("workspaceone", 2000, true, true);
  return t;
}

}  // namespace cmdm::optimizer::testing
