// `cmdm explain`: where a profile's counted characters go, what each pass saved, and what to do
// next so that it fits.
#include <iostream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/optimizer_options.h"
#include "optimizer/explain.h"
#include "optimizer/settings.h"
#include "optimizer/source.h"
#include "plist/file_io.h"

namespace cmdm::cli {

namespace {

// The count first, right-aligned, so long payload labels do not push the numbers out of line.
void row(const std::string& what, long long chars, int indent) {
  std::string n = std::to_string(chars);
  std::cout << std::string(n.size() < 8 ? 8 - n.size() : 0, ' ') << n << std::string(indent, ' ')
            << what << '\n';
}

void print(const std::string& file, const optimizer::Explanation& ex, const std::string& target) {
  const optimizer::Optimized& r = ex.result;
  const std::string* id = r.profile.get_string("PayloadIdentifier");
  std::cout << file << (id ? " (" + *id + ")" : "") << "\n  target " << target << ", level "
            << optimizer::level_name(r.level) << ", encoded as " << r.encoding.describe() << '\n';
  std::cout << "  command " << r.command_size << " characters";
  if (r.limit) std::cout << ", limit " << r.limit;
  std::cout << "; profile " << r.bytes.size() << " bytes\n";
  if (ex.input_command_size) {
    std::cout << "  as given: " << ex.input_command_size << " characters; as minimal XML: "
              << r.baseline_command_size << '\n';
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
  for (const std::string& n : r.notes) std::cout << "  note: " << n << '\n';
  std::cout << "\nat each level:\n";
  for (const auto& l : ex.levels) {
    std::cout << "  " << optimizer::level_name(l.level) << std::string(12 - optimizer::level_name(l.level).size(), ' ')
              << l.command_size << (l.fits ? "  fits" : "  does not fit") << '\n';
  }
  std::cout << "\nnext:\n";
  for (const std::string& step : ex.next_steps) std::cout << "  - " << step << '\n';
}

}  // namespace

int run_explain(const Args& args) {
  po::options_description options("explain options");
  OptimizerArgs opt;
  optimizer::Settings& s = opt.settings;
  std::string file;
  add_optimizer_options(options, opt, "target whose limit applies");
  options.add_options()
      ("file", po::value(&file), "profile source");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (auto code = parse_options("explain", "SRC --target T [--level L] [--limit N]", options,
                                positional, args, vm)) {
    return *code;
  }
  if (file.empty()) return usage_error("explain", "no input file");
  Result<optimizer::Prepared> prepared = optimizer::prepare(s);
  if (!prepared) return report(prepared.error());
  Result<compiler::Context> context = optimizer::make_context(opt.vars, opt.vars_files, opt.facts_files);
  if (!context) return report(context.error());
  Result<std::string> bytes = read_file(file);
  if (!bytes) return report(bytes.error());
  Result<optimizer::Source> source = optimizer::read_source(*bytes, file, *context);
  if (!source) return report(source.error());
  optimizer::ExplainInput input;
  input.stored_bytes = source->stored_bytes;
  input.stored_command_size = prepared->options.target->command_size(*bytes);
  input.source_signed = source->was_signed;
  Result<optimizer::Explanation> ex = optimizer::explain(source->profile, prepared->options, input);
  if (!ex) return report(ex.error());
  print(file, *ex, s.target);
  return ex->result.fits ? 0 : static_cast<int>(ExitCode::kCheckFailed);
}

}  // namespace cmdm::cli
