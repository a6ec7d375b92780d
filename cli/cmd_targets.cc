// `cmdm targets`: prints the target registry (wire formats, limits, what a limit counts).
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "emitters/targets.h"

namespace cmdm::cli {

namespace {

// The requests a sender makes per action, as the manifest carries them (docs/manifest.md).
nlohmann::ordered_json requests_json(const emitters::Target& t) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const emitters::RequestSpec& r : t.requests) {
    nlohmann::ordered_json slots = nlohmann::ordered_json::array();
    for (const emitters::Slot& s : r.slots) {
      slots.push_back(
          {{"name", s.name}, {"where", s.where}, {"placeholder", s.placeholder}, {"fill", s.fill}});
    }
    out.push_back({{"action", r.action},
                   {"method", r.method},
                   {"path", r.path},
                   {"content_type", r.content_type},
                   {"body", r.body},
                   {"success", r.success},
                   {"slots", slots}});
  }
  return out;
}

}  // namespace

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
      j["xml_declaration_required"] = t.needs_xml_declaration;
      j["requests"] = requests_json(t);
      if (t.size_error) {
        j["size_error"] = {{"status", t.size_error->status},
                           {"match", t.size_error->match},
                           {"meaning", t.size_error->meaning}};
      }
      all.push_back(j);
    }
    std::cout << all.dump(2) << '\n';
    return 0;
  }
  std::cout << std::left << std::setw(16) << "TARGET" << std::setw(10) << "LIMIT" << std::setw(8)
            << "SIGNED" << std::setw(8) << "BINARY"
            << "COUNTS\n";
  for (const emitters::Target& t : table) {
    std::cout << std::setw(16) << t.name << std::setw(10)
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
