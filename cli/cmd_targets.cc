// `cmdm targets`: prints the target registry (wire formats, limits, what a limit counts).
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "emitters/targets.h"

namespace cmdm::cli {

int run_targets(const Args& args) {
  po::options_description options("targets options");
  options.add_options()("json", "print the table as JSON")(
      "verbose,v", "also print endpoints and the vendor documentation followed");
  po::positional_options_description positional;
  po::variables_map vm;
  if (auto code = parse_options("targets", "[--json] [--verbose]", options, positional, args, vm)) {
    return *code;
  }
  const auto& table = emitters::targets();
  if (vm.count("json")) {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const emitters::Target& t : table) {
      nlohmann::ordered_json j;
      j["name"] = t.name;
      j["description"] = t.description;
      j["limit"] = t.default_limit;
      j["limit_counts"] = t.limit_counts;
      j["accepts_signed"] = t.accepts_signed;
      j["accepts_binary"] = t.accepts_binary;
      j["mdm"] = t.is_mdm;
      j["extension"] = t.body_extension;
      j["install_endpoint"] = t.install_endpoint;
      j["remove_endpoint"] = t.remove_endpoint;
      j["command_uuid"] = t.fill_command_uuid != nullptr;
      j["reference"] = t.reference;
      all.push_back(j);
    }
    std::cout << all.dump(2) << '\n';
    return 0;
  }
  std::cout << std::left << std::setw(14) << "TARGET" << std::setw(10) << "LIMIT" << std::setw(8)
            << "SIGNED" << std::setw(8) << "BINARY"
            << "COUNTS\n";
  for (const emitters::Target& t : table) {
    std::cout << std::setw(14) << t.name << std::setw(10)
              << (t.default_limit ? std::to_string(t.default_limit) : "-") << std::setw(8)
              << (t.accepts_signed ? "yes" : "no") << std::setw(8)
              << (t.accepts_binary ? "yes" : "no") << t.limit_counts << '\n';
    if (vm.count("verbose")) {
      std::cout << "    " << t.description << "\n    install: " << t.install_endpoint
                << "\n    remove:  " << t.remove_endpoint << "\n    see:     " << t.reference
                << '\n';
    }
  }
  return 0;
}

}  // namespace cmdm::cli
