// `cmdm inspect`: what a profile is, how big it is, and what it holds.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "plist/file_io.h"
#include "plist/reader.h"
#include "plist/writer.h"
#include "signer/signer.h"

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
  // A signed profile is inspected as the profile it carries, as check and build read it.
  std::string_view content = bytes;
  std::string inner;
  const bool is_signed = plist::sniff_format(bytes) == plist::Format::kCmsSigned;
  if (is_signed) {
    Result<signer::Unwrapped> unwrapped = signer::unwrap(bytes, options.file_name);
    if (!unwrapped) {
      *status = report(unwrapped.error());
      j["error"] = unwrapped.error().format();
      return j;
    }
    inner = std::move(unwrapped->content);
    content = inner;
    j["signer"] = unwrapped->signer;
  }
  Result<plist::Document> doc = plist::read(content, options);
  if (!doc) {
    *status = report(doc.error());
    j["error"] = doc.error().format();
    return j;
  }
  const plist::Value& root = doc->root;
  j["format"] =
      std::string(plist::format_name(is_signed ? plist::Format::kCmsSigned : doc->format));
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

// Every string came from the file: printable_text keeps control characters off the terminal.
std::string text(const nlohmann::json& j, const char* key) {
  return printable_text(j[key].get<std::string>());
}

void print_human(const nlohmann::json& j) {
  std::cout << text(j, "file") << '\n';
  std::cout << "  format      " << text(j, "format") << '\n';
  std::cout << "  bytes       " << j["bytes"].get<std::size_t>() << '\n';
  if (j.contains("error")) {
    std::cout << "  error       see above\n";
    return;
  }
  if (j.contains("signer")) std::cout << "  signer      " << text(j, "signer") << '\n';
  std::cout << "  identifier  " << text(j, "identifier") << '\n';
  std::cout << "  uuid        " << text(j, "uuid") << '\n';
  std::cout << "  payloads    " << j["payloads"].size() << '\n';
  for (const auto& p : j["payloads"]) {
    std::cout << "    " << text(p, "type") << "  " << text(p, "identifier") << "  "
              << p["bytes"].get<std::size_t>() << " bytes\n";
  }
  for (const auto& w : j["warnings"]) {
    std::string line = w.get<std::string>();
    if (!line.empty() && line.back() == '\n') line.pop_back();
    std::cout << "  warning     " << printable_text(line.substr(0, line.find('\n'))) << '\n';
  }
}

}  // namespace

int run_inspect(const Args& args) {
  po::options_description options("inspect options");
  std::vector<std::string> files;
  options.add_options()("json", "print a JSON array, one object per file")(
      "files", po::value(&files), "input files ('-' for standard input)");
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
