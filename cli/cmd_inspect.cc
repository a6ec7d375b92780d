// `cmdm inspect`: what a profile is, how big it is, and what it holds.
#include <nlohmann/json.hpp>

#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "plist/file_io.h"
#include "plist/reader.h"
#include "plist/writer.h"

namespace cmdm::cli {

namespace {

std::string str_or(const plist::Value& dict, const char* key, const char* fallback = "") {
  const std::string* s = dict.get_string(key);
  return s ? *s : fallback;
}

// A payload's size: the bytes of its minimal XML encoding (the dict alone, no header).
std::size_t payload_bytes(const plist::Value& payload) {
  plist::XmlOptions bare;
  bare.declaration = bare.doctype = bare.plist_element = false;
  return plist::write_minimal_xml(payload, bare).size();
}

nlohmann::json inspect_one(const std::string& file, const std::string& bytes, int* status) {
  nlohmann::json j;
  j["file"] = file;
  j["bytes"] = bytes.size();
  plist::ReadOptions options;
  options.file_name = file == "-" ? "<stdin>" : file;
  j["format"] = std::string(plist::format_name(plist::sniff_format(bytes)));
  Result<plist::Document> doc = plist::read(bytes, options);
  if (!doc) {
    *status = report(doc.error());
    j["error"] = doc.error().format();
    return j;
  }
  const plist::Value& root = doc->root;
  j["format"] = std::string(plist::format_name(doc->format));
  nlohmann::json warnings = nlohmann::json::array();
  for (const Diagnostic& d : doc->warnings) warnings.push_back(d.format());
  if (!root.is_dict()) {
    warnings.push_back(std::string("top level is a ") + std::string(plist::type_name(root.type())) +
                       ", not a dict: not a configuration profile");
  }
  j["identifier"] = str_or(root, "PayloadIdentifier");
  j["uuid"] = str_or(root, "PayloadUUID");
  j["type"] = str_or(root, "PayloadType");
  j["display_name"] = str_or(root, "PayloadDisplayName");
  nlohmann::json payloads = nlohmann::json::array();
  if (const plist::Value* content = root.get("PayloadContent"); content && content->is_array()) {
    for (const plist::Value& p : content->as_array()) {
      nlohmann::json pj;
      pj["type"] = str_or(p, "PayloadType");
      pj["identifier"] = str_or(p, "PayloadIdentifier");
      pj["uuid"] = str_or(p, "PayloadUUID");
      pj["bytes"] = payload_bytes(p);
      payloads.push_back(pj);
    }
  }
  j["payloads"] = payloads;
  j["warnings"] = warnings;
  return j;
}

void print_human(const nlohmann::json& j) {
  std::cout << j["file"].get<std::string>() << '\n';
  std::cout << "  format      " << j["format"].get<std::string>() << '\n';
  std::cout << "  bytes       " << j["bytes"].get<std::size_t>() << '\n';
  if (j.contains("error")) {
    std::cout << "  error       see above\n";
    return;
  }
  std::cout << "  identifier  " << j["identifier"].get<std::string>() << '\n';
  std::cout << "  uuid        " << j["uuid"].get<std::string>() << '\n';
  std::cout << "  payloads    " << j["payloads"].size() << '\n';
  for (const auto& p : j["payloads"]) {
    std::cout << "    " << p["type"].get<std::string>() << "  " << p["identifier"].get<std::string>()
              << "  " << p["bytes"].get<std::size_t>() << " bytes\n";
  }
  for (const auto& w : j["warnings"]) {
    std::string text = w.get<std::string>();
    if (!text.empty() && text.back() == '\n') text.pop_back();
    std::cout << "  warning     " << text.substr(0, text.find('\n')) << '\n';
  }
}

}  // namespace

int run_inspect(const Args& args) {
  po::options_description options("inspect options");
  std::vector<std::string> files;
  options.add_options()
      ("json", "print a JSON array, one object per file")
      ("files", po::value(&files), "input files ('-' for standard input)");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("inspect", "FILE... [--json]", options, positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("inspect", "no input files");
  int status = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& file : files) {
    Result<std::string> bytes = read_file(file);
    if (!bytes) {
      status = report(bytes.error());
      continue;
    }
    nlohmann::json j = inspect_one(file, *bytes, &status);
    if (vm.count("json")) {
      all.push_back(j);
    } else {
      print_human(j);
    }
  }
  if (vm.count("json")) std::cout << all.dump(2) << '\n';
  return status;
}

}  // namespace cmdm::cli
