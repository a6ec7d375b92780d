// `cmdm fmt`: rewrite property lists in a chosen style.
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "plist/file_io.h"
#include "plist/reader.h"
#include "plist/writer.h"

namespace cmdm::cli {

namespace {

Result<std::string> encode(const plist::Value& root, const std::string& style) {
  if (style == "minimal") return plist::write_minimal_xml(root);
  if (style == "pretty") return plist::write_pretty_xml(root);
  return plist::write_binary(root);
}

// fmt rewrites the property list it reads; a template's directives (cmdm:if, cmdm:each and
// cmdm:value attributes) are not part of that value, so rewriting would drop them silently. Such a
// source is refused, at the first directive, with what to do instead. ({{ }} placeholders are
// text, which fmt keeps as it is; binary plists have no attributes.)
std::optional<Diagnostic> template_markup(const std::string& bytes, const std::string& file) {
  static constexpr std::string_view kMarks[] = {"cmdm:if=", "cmdm:each=", "cmdm:value="};
  if (bytes.starts_with("bplist")) return std::nullopt;
  for (std::size_t from = 0;;) {
    std::size_t hit = std::string::npos;
    for (std::string_view mark : kMarks) hit = std::min(hit, bytes.find(mark, from));
    if (hit == std::string::npos) return std::nullopt;
    // An attribute sits inside a tag: the last '<' before it comes after the last '>'.
    const std::size_t open = bytes.rfind('<', hit);
    const std::size_t close = bytes.rfind('>', hit);
    if (open != std::string::npos && (close == std::string::npos || open > close)) {
      return Diagnostic::at(
          SourceText(file, bytes), hit,
          "this is a template (a cmdm:if, cmdm:each or cmdm:value directive): fmt would drop "
          "its directives; format the compiled profile instead (cmdm compile FILE -o - | cmdm "
          "fmt -)");
    }
    from = hit + 1;
  }
}

// Reads one input, refuses a template, and writes it in `style` to `target` (or in place).
Status fmt_one(const std::string& file, const std::string& style, const std::string& target,
               bool in_place) {
  Result<std::string> bytes = read_file(file);
  if (!bytes) return bytes.error();
  plist::ReadOptions read_options;
  read_options.file_name = file == "-" ? "<stdin>" : file;
  if (std::optional<Diagnostic> mark = template_markup(*bytes, read_options.file_name)) {
    return Error(ExitCode::kDataError, *mark);
  }
  Result<plist::Document> doc = plist::read(*bytes, read_options);
  if (!doc) return doc.error();
  std::cerr << format_diagnostics(doc->warnings);
  Result<std::string> encoded = encode(doc->root, style);
  if (!encoded) return encoded.error();
  return in_place ? replace_file_atomic(target, *encoded) : write_file_atomic(target, *encoded);
}

}  // namespace

int run_fmt(const Args& args) {
  po::options_description options("fmt options");
  std::string style;
  std::string out;
  std::vector<std::string> files;
  options.add_options()("style", po::value(&style)->default_value("minimal"),
                        "minimal | pretty | binary")(
      "output,o", po::value(&out), "output file ('-' for standard output); one input only")(
      "in-place,i", "rewrite each input file in place")("files", po::value(&files),
                                                        "input files ('-' for standard input)");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code =
          parse_options("fmt", "FILE... [--style minimal|pretty|binary] [-o OUT | --in-place]",
                        options, positional, args, vm)) {
    return *code;
  }
  if (style != "minimal" && style != "pretty" && style != "binary") {
    return usage_error("fmt", "--style must be minimal, pretty or binary, not '" + style + "'");
  }
  if (files.empty()) return usage_error("fmt", "no input files");
  bool in_place = vm.count("in-place") > 0;
  if (in_place && vm.count("output"))
    return usage_error("fmt", "-o and --in-place exclude each other");
  if (!in_place && files.size() > 1 && !vm.count("output")) {
    return usage_error("fmt", "several inputs need --in-place (or one input with -o)");
  }
  if (vm.count("output") && files.size() > 1) return usage_error("fmt", "-o takes one input");
  if (in_place) {
    for (const std::string& f : files) {
      if (f == "-") return usage_error("fmt", "--in-place cannot rewrite standard input");
    }
  }
  int status = 0;
  const std::string target = vm.count("output") ? out : "-";
  for (const std::string& file : files) {
    Status done = fmt_one(file, style, in_place ? file : target, in_place);
    if (!done) status = report(done.error());
  }
  return status;
}

}  // namespace cmdm::cli
