// `cmdm explain`: where a profile's counted characters go, what each pass saved, and what to do
// next so that it fits.
#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "cli/size_report.h"
#include "optimizer/explain.h"
#include "pipeline/source.h"
#include "plist/file_io.h"

namespace cmdm::cli {

namespace {

// The count first, right-aligned, so long payload labels do not push the numbers out of line.
void row(const std::string& what, long long chars, int indent) {
  std::string n = std::to_string(chars);
  std::cout << std::string(n.size() < 8 ? 8 - n.size() : 0, ' ') << n << std::string(indent, ' ')
            << printable_text(what) << '\n';
}

void print(const std::string& file, const optimizer::Explanation& ex, const std::string& target) {
  const optimizer::Optimized& r = ex.result;
  const std::string* id = r.profile.get_string("PayloadIdentifier");
  std::cout << printable_text(file + (id ? " (" + *id + ")" : "")) << "\n  target " << target
            << ", level " << optimizer::level_name(r.level) << ", encoded as "
            << r.encoding.describe() << '\n';
  std::cout << "  command " << r.command_size << " characters";
  if (r.limit) std::cout << ", limit " << r.limit;
  std::cout << "; profile " << r.bytes.size() << " bytes\n";
  if (ex.input_command_size) {
    std::cout << "  as given: " << ex.input_command_size
              << " characters; as minimal XML: " << r.baseline_command_size << '\n';
  }
  std::cout << "\nwhere the characters go (size with the part minus without it):\n";
  row("command wrapper and empty dict", static_cast<long long>(ex.envelope), 2);
  for (const optimizer::Share& p : ex.payloads) {
    row(p.what, static_cast<long long>(p.chars), 2);
    for (const optimizer::Share& k : p.keys) row(k.what, static_cast<long long>(k.chars), 6);
  }
  if (!ex.top_level.empty()) {
    std::cout << "  top-level keys:\n";
    for (const optimizer::Share& k : ex.top_level) row(k.what, static_cast<long long>(k.chars), 6);
  }
  std::cout << "\nwhat each pass saved (characters):\n";
  if (r.savings.empty()) std::cout << "  (no pass runs at this level)\n";
  for (const optimizer::PassSaving& s : r.savings) row(s.id, s.chars, 2);
  for (const std::string& n : r.notes) std::cout << "  note: " << printable_text(n) << '\n';
  std::cout << "\nat each level:\n";
  for (const auto& l : ex.levels) {
    std::cout << "  " << optimizer::level_name(l.level)
              << std::string(12 - optimizer::level_name(l.level).size(), ' ') << l.command_size
              << (l.fits ? "  fits" : "  does not fit") << '\n';
  }
  std::cout << "\nnext:\n";
  for (const std::string& step : ex.next_steps) {
    std::cout << "  - " << printable_text(step) << '\n';
  }
}

// Explains one file, adds it to the report; the exit code it contributes.
int explain_one(const std::string& file, const pipeline::Prepared& prepared,
                const compiler::Context& context, const pipeline::SourceOptions& sources,
                const std::string& target, std::vector<ReportEntry>& report_entries) {
  Result<ExplainedSource> ex = explain_source(file, prepared.options, context, sources);
  if (!ex) {
    report_entries.push_back({.file = file, .error = ex.error().format()});
    return report(ex.error());
  }
  std::cerr << format_diagnostics(ex->warnings);
  print(file, ex->explanation, target);
  bool fits = ex->explanation.result.fits;
  report_entries.push_back({.file = file, .explanation = std::move(ex->explanation)});
  return fits ? 0 : static_cast<int>(ExitCode::kCheckFailed);
}

}  // namespace

int run_explain(const Args& args) {
  po::options_description options("explain options");
  OptimizerArgs opt;
  std::vector<std::string> files;
  std::string html_file;
  add_optimizer_options(options, opt, "target whose limit applies");
  options.add_options()("html", po::value(&html_file),
                        "also write a self-contained HTML size report to FILE")(
      "files", po::value(&files), "profile sources or directories");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code =
          parse_options("explain", "SRC... --target T [--level L] [--limit N] [--html FILE]",
                        options, positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("explain", "no input file");
  Result<pipeline::Prepared> prepared = prepare(opt);
  if (!prepared) return report("explain", prepared.error());
  Result<compiler::Context> context = pipeline::make_context(opt.templates);
  if (!context) return report("explain", context.error());
  Result<std::vector<std::string>> paths = pipeline::expand_source_paths(files);
  if (!paths) return report(paths.error());
  int status = 0;
  std::vector<ReportEntry> entries;
  for (std::size_t i = 0; i < paths->size(); ++i) {
    if (i > 0) std::cout << '\n';
    status = std::max(status, explain_one((*paths)[i], *prepared, *context, opt.sources,
                                          opt.settings.target, entries));
  }
  if (!html_file.empty()) {
    std::string title = "cmdm explain: " + opt.settings.target + ", level " + opt.settings.level;
    Status written = write_file_atomic(html_file, html_report(entries, opt.settings.target, title));
    if (!written) status = std::max(status, report(written.error()));
  }
  return status;
}

}  // namespace cmdm::cli
