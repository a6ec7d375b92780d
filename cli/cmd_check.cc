// `cmdm check`: does each profile fit the target's limit at the chosen level, and by how much.
// Prints a table, JSON, JUnit XML or GitHub annotations; exits 1 when any profile does not fit.
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/optimizer_options.h"
#include "optimizer/optimizer.h"
#include "optimizer/settings.h"
#include "optimizer/source.h"
#include "optimizer/splitter.h"
#include "plist/file_io.h"

namespace cmdm::cli {

namespace {

struct Row {
  std::string file, identifier, error;
  std::size_t bytes_in = 0, bytes_out = 0, command_size = 0, limit = 0, line = 1;
  bool fits = false;
  std::size_t parts = 1;         // parts needed when split (1 when it fits whole)
  std::size_t undeliverable = 0;  // parts that cannot go through the MDM
};

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// GitHub workflow commands: data escapes %, CR, LF; properties also ':' and ','.
std::string gh_escape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else if (property && c == ':') out += "%3A";
    else if (property && c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

std::string verdict(const Row& r) {
  if (!r.error.empty()) return "error";
  if (r.limit == 0) return "fits (no limit)";
  if (r.fits) return "fits (" + std::to_string(r.limit - r.command_size) + " to spare)";
  std::string v = "over by " + std::to_string(r.command_size - r.limit) + "; split: " +
                  std::to_string(r.parts) + " parts";
  if (r.undeliverable) v += ", " + std::to_string(r.undeliverable) + " too large for the MDM";
  return v;
}

void print_table(const std::vector<Row>& rows, const std::string& target, const std::string& level) {
  std::vector<std::vector<std::string>> cells = {
      {"bytes_in", "bytes_out", "command", "limit", "result", "file (identifier)"}};
  std::size_t fit = 0;
  for (const Row& r : rows) {
    fit += r.fits;
    cells.push_back({std::to_string(r.bytes_in), r.error.empty() ? std::to_string(r.bytes_out) : "-",
                     r.error.empty() ? std::to_string(r.command_size) : "-",
                     r.limit ? std::to_string(r.limit) : "none", verdict(r),
                     r.file + (r.identifier.empty() ? "" : " (" + r.identifier + ")")});
  }
  std::vector<std::size_t> width(cells[0].size(), 0);
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      bool last = i + 1 == row.size();
      bool numeric = i < 4;
      std::string pad(width[i] - row[i].size(), ' ');
      line += numeric ? pad + row[i] : row[i] + (last ? "" : pad);
      if (!last) line += "  ";
    }
    std::cout << line << '\n';
  }
  std::cout << fit << " of " << rows.size() << " fit " << target << " at level " << level << '\n';
}

std::string junit(const std::vector<Row>& rows, const std::string& target, const std::string& level) {
  std::size_t failures = 0, errors = 0;
  for (const Row& r : rows) {
    if (!r.error.empty()) ++errors;
    else if (!r.fits) ++failures;
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
    << "  <testsuite name=\"cmdm check " << xml_escape(target) << " " << xml_escape(level)
    << "\" tests=\"" << rows.size() << "\" failures=\"" << failures << "\" errors=\"" << errors << "\">\n";
  for (const Row& r : rows) {
    x << "    <testcase classname=\"cmdm.check." << xml_escape(target) << "\" name=\""
      << xml_escape(r.file + (r.identifier.empty() ? "" : " (" + r.identifier + ")")) << "\"";
    if (!r.error.empty()) {
      x << ">\n      <error message=\"" << xml_escape(r.error) << "\"/>\n    </testcase>\n";
    } else if (!r.fits) {
      std::string m = "command " + std::to_string(r.command_size) + " > limit " +
                      std::to_string(r.limit) + " (" + verdict(r) + ") at level " + level;
      x << ">\n      <failure message=\"" << xml_escape(m) << "\"/>\n    </testcase>\n";
    } else {
      x << "/>\n";
    }
  }
  x << "  </testsuite>\n</testsuites>\n";
  return x.str();
}

}  // namespace

int run_check(const Args& args) {
  po::options_description options("check options");
  OptimizerArgs opt;
  optimizer::Settings& s = opt.settings;
  std::vector<std::string> files;
  std::string junit_file;
  LocalInstallArgs local;
  add_optimizer_options(options, opt, "target whose limit applies (workspaceone, fleet, ...)");
  add_local_install_options(options, local);
  options.add_options()
      ("json", "print a JSON array, one object per profile")
      ("junit", po::value(&junit_file), "also write JUnit XML, one test case per profile")
      ("github", "print GitHub Actions ::error annotations for profiles that do not fit")
      ("files", po::value(&files), "profile sources");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("check", "SRC... --target T [--level L] [--limit N] [--json] "
                                "[--junit FILE] [--github]", options, positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("check", "no input files");
  Result<optimizer::Prepared> prepared = optimizer::prepare(s);
  if (!prepared) return report(prepared.error());
  Result<compiler::Context> context = optimizer::make_context(opt.vars, opt.vars_files, opt.facts_files);
  if (!context) return report(context.error());

  int status = 0;
  std::vector<Row> rows;
  for (const std::string& file : files) {
    Row row;
    row.file = file;
    row.limit = optimizer::effective_limit(*prepared->options.target, s.limit);
    Result<std::string> bytes = read_file(file);
    Result<optimizer::Source> source = bytes ? optimizer::read_source(*bytes, file, *context)
                                             : Result<optimizer::Source>(bytes.error());
    Result<optimizer::Optimized> r =
        source ? optimizer::optimize(source->profile, prepared->options)
               : Result<optimizer::Optimized>(source.error());
    if (!r) {
      status = std::max(status, report(r.error()));
      row.error = r.error().diagnostics.empty() ? "error" : r.error().diagnostics.front().message;
      row.bytes_in = bytes ? bytes->size() : 0;
      rows.push_back(row);
      continue;
    }
    const std::string* id = source->profile.get_string("PayloadIdentifier");
    row.identifier = id ? *id : "";
    row.line = static_cast<std::size_t>(source->identifier_line);
    row.bytes_in = source->stored_bytes;
    row.bytes_out = r->bytes.size();
    row.command_size = r->command_size;
    row.limit = r->limit;
    row.fits = r->fits;
    if (!row.fits) {
      status = std::max(status, static_cast<int>(ExitCode::kCheckFailed));
      // How many parts the splitter would make, each measured as its own command.
      optimizer::SplitOptions split_options;
      split_options.optimize = prepared->options;
      split_options.local_allowed = local.local_allowed();
      Result<optimizer::Split> split = optimizer::split(source->profile, split_options);
      if (split) {
        row.parts = split->parts.size();
        for (const optimizer::Part& p : split->parts) row.undeliverable += p.route != optimizer::Route::kMdm;
      }
    }
    rows.push_back(row);
  }

  if (vm.count("json")) {
    nlohmann::json all = nlohmann::json::array();
    for (const Row& r : rows) {
      nlohmann::json j = {{"file", r.file}, {"identifier", r.identifier}, {"bytes_in", r.bytes_in},
                          {"bytes_out", r.bytes_out}, {"command_size", r.command_size},
                          {"limit", r.limit}, {"fits", r.fits}, {"level", s.level},
                          {"target", s.target}, {"parts", r.parts},
                          {"parts_deliverable", r.parts - r.undeliverable}};
      if (!r.error.empty()) j["error"] = r.error;
      all.push_back(j);
    }
    std::cout << all.dump(2) << '\n';
  } else if (!vm.count("github")) {
    print_table(rows, s.target, s.level);
  }
  if (vm.count("github")) {
    for (const Row& r : rows) {
      if (r.fits) continue;
      std::string message = r.error.empty()
          ? r.identifier + ": command " + std::to_string(r.command_size) + " characters > limit " +
                std::to_string(r.limit) + " (over by " + std::to_string(r.command_size - r.limit) +
                ") at level " + s.level
          : r.error;
      std::cout << "::error file=" << gh_escape(r.file, true) << ",line=" << r.line
                << ",title=" << gh_escape("does not fit " + s.target, true) << "::"
                << gh_escape(message, false) << '\n';
    }
  }
  if (!junit_file.empty()) {
    Status written = write_file_atomic(junit_file, junit(rows, s.target, s.level));
    if (!written) status = std::max(status, report(written.error()));
  }
  return status;
}

}  // namespace cmdm::cli
