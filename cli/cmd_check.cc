// `cmdm check`: does each profile fit the target's limit at the chosen level, and by how much.
// Prints a table, JSON, JUnit XML or GitHub annotations; exits 1 when any profile does not fit.
#include <cctype>
#include <iostream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "cli/pipeline_options.h"
#include "cli/progress.h"
#include "cli/size_report.h"
#include "cli/table.h"
#include "pipeline/check.h"
#include "pipeline/source.h"
#include "plist/file_io.h"

namespace cmdm::cli {

namespace {

using Row = pipeline::CheckRow;

std::string error_text(const Row& r) {
  return r.error->diagnostics.empty() ? "error" : r.error->diagnostics.front().message;
}

// GitHub workflow commands: data escapes %, CR, LF; properties also ':' and ','.
std::string gh_escape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

std::string verdict(const Row& r) {
  if (r.error) return "error";
  if (!r.refusal.empty()) return "refused: " + r.refusal;
  if (r.limit == 0) return "fits (no limit)";
  if (r.fits) return "fits (" + std::to_string(r.limit - r.command_size) + " to spare)";
  std::string v = "over by " + std::to_string(r.command_size - r.limit) +
                  "; split: " + std::to_string(r.parts) + " parts";
  if (r.undeliverable) v += ", " + std::to_string(r.undeliverable) + " too large for the MDM";
  return v;
}

std::string name_of(const Row& r) {
  return r.file + (r.identifier.empty() ? "" : " (" + r.identifier + ")");
}

void print_table(const std::vector<Row>& rows, const std::string& target,
                 const std::string& level) {
  Table table({"bytes_in", "bytes_out", "command", "limit", "result", "file (identifier)"},
              {true, true, true, true, false, false});
  std::size_t fit = 0;
  for (const Row& r : rows) {
    fit += r.passes();
    table.add({std::to_string(r.bytes_in), r.error ? "-" : std::to_string(r.bytes_out),
               r.error ? "-" : std::to_string(r.command_size),
               r.limit ? std::to_string(r.limit) : "none", verdict(r), name_of(r)});
  }
  table.print(std::cout);
  std::cout << fit << " of " << rows.size() << " fit " << target << " at level " << level << '\n';
}

// JUnit XML (the schema Jenkins, GitLab and GitHub's reporters read): one test case per profile,
// a failure when it does not fit, an error when it could not be read.
std::string junit(const std::vector<Row>& rows, const std::string& target,
                  const std::string& level) {
  std::size_t failures = 0, errors = 0;
  for (const Row& r : rows) {
    if (r.error)
      ++errors;
    else if (!r.passes())
      ++failures;
  }
  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node suite = doc.append_child("testsuites").append_child("testsuite");
  suite.append_attribute("name") = ("cmdm check " + target + " " + level).c_str();
  suite.append_attribute("tests") = static_cast<unsigned long long>(rows.size());
  suite.append_attribute("failures") = static_cast<unsigned long long>(failures);
  suite.append_attribute("errors") = static_cast<unsigned long long>(errors);
  for (const Row& r : rows) {
    pugi::xml_node test = suite.append_child("testcase");
    test.append_attribute("classname") = ("cmdm.check." + target).c_str();
    test.append_attribute("name") = printable_text(name_of(r)).c_str();
    if (r.error) {
      test.append_child("error").append_attribute("message") =
          printable_text(error_text(r)).c_str();
    } else if (!r.passes()) {
      std::string m = r.fits
                          ? verdict(r)
                          : "command " + std::to_string(r.command_size) + " > limit " +
                                std::to_string(r.limit) + " (" + verdict(r) + ") at level " + level;
      test.append_child("failure").append_attribute("message") = printable_text(m).c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

void print_json(const std::vector<Row>& rows, const std::string& target, const std::string& level) {
  nlohmann::json all = nlohmann::json::array();
  for (const Row& r : rows) {
    nlohmann::json j = {{"file", r.file},
                        {"identifier", r.identifier},
                        {"bytes_in", r.bytes_in},
                        {"bytes_out", r.bytes_out},
                        {"command_size", r.command_size},
                        {"limit", r.limit},
                        {"fits", r.fits},
                        {"level", level},
                        {"target", target},
                        {"parts", r.parts},
                        {"parts_deliverable", r.parts - r.undeliverable}};
    if (r.error) j["error"] = error_text(r);
    if (!r.refusal.empty()) j["refusal"] = r.refusal;
    all.push_back(j);
  }
  std::cout << all.dump(2) << '\n';
}

void print_github(const std::vector<Row>& rows, const std::string& target,
                  const std::string& level) {
  for (const Row& r : rows) {
    if (r.passes()) continue;
    std::string message = r.error  ? error_text(r)
                          : r.fits ? r.identifier + ": " + verdict(r)
                                   : r.identifier + ": command " + std::to_string(r.command_size) +
                                         " characters > limit " + std::to_string(r.limit) +
                                         " (over by " + std::to_string(r.command_size - r.limit) +
                                         ") at level " + level;
    std::string title = !r.error && r.fits ? "refused by " + target : "does not fit " + target;
    std::cout << "::error file=" << gh_escape(r.file, true) << ",line=" << r.line
              << ",title=" << gh_escape(title, true) << "::" << gh_escape(message, false) << '\n';
  }
}

// What would make a profile fit (empty when it fits or could not be explained).
std::vector<std::string> fixes_for(const Row& r, const ReportEntry* entry) {
  if (r.fits || r.error || !entry || !entry->explanation) return {};
  return fix_steps(*entry->explanation);
}

// A path as a SARIF artifact URI: relative paths stay relative (to the checkout, as code scanning
// expects), absolute ones become file URIs; bytes outside the unreserved set are percent-encoded.
std::string artifact_uri(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = path.starts_with('/') ? "file://" : "";
  for (unsigned char c : path) {
    if (std::isalnum(c) ||
        std::string_view("-._~/").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// SARIF 2.1.0 (what GitHub code scanning and other viewers read): one result per profile that
// does not fit or could not be read, at its PayloadIdentifier line, with the fix in the message.
std::string sarif(const std::vector<Row>& rows, const std::vector<ReportEntry>& entries,
                  const std::string& target, const std::string& level) {
  nlohmann::json rules = nlohmann::json::array(
      {{{"id", "does-not-fit"},
        {"name", "ProfileDoesNotFitTheTarget"},
        {"shortDescription",
         {{"text", "The profile's command exceeds the MDM target's size limit"}}},
        {"help",
         {{"text",
           "Raise the level (--level safe or aggressive), or split the profile into parts "
           "that fit (cmdm split, cmdm build)."}}}},
       {{"id", "source-error"},
        {"name", "SourceCannotBeRead"},
        {"shortDescription", {{"text", "The source could not be read or optimized"}}}},
       {{"id", "refused-by-vendor"},
        {"name", "VendorRefusesTheProfile"},
        {"shortDescription",
         {{"text", "The MDM vendor refuses the profile outright, whatever its size"}}}}});
  nlohmann::json results = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (r.passes()) continue;
    std::vector<std::string> fixes = fixes_for(r, i < entries.size() ? &entries[i] : nullptr);
    std::string text;
    const bool refused = !r.error && r.fits;
    if (r.error) {
      text = error_text(r);
    } else if (refused) {
      text = (r.identifier.empty() ? r.file : r.identifier) + ": " + verdict(r) + ".";
    } else {
      text = (r.identifier.empty() ? r.file : r.identifier) + ": command " +
             std::to_string(r.command_size) + " characters > limit " + std::to_string(r.limit) +
             " of " + target + " (over by " + std::to_string(r.command_size - r.limit) +
             ") at level " + level + ".";
      text += fixes.empty() ? " Fix: " + verdict(r) + "." : " Fix: " + fixes.front() + ".";
    }
    nlohmann::json result = {{"ruleId", r.error   ? "source-error"
                                        : refused ? "refused-by-vendor"
                                                  : "does-not-fit"},
                             {"ruleIndex", r.error   ? 1
                                           : refused ? 2
                                                     : 0},
                             {"level", "error"},
                             {"message", {{"text", printable_text(text)}}},
                             {"locations",
                              {{{"physicalLocation",
                                 {{"artifactLocation", {{"uri", artifact_uri(r.file)}}},
                                  {"region", {{"startLine", std::max(r.line, 1)}}}}}}}}};
    if (!r.error) {
      result["properties"] = {{"commandSize", r.command_size},
                              {"limit", r.limit},
                              {"target", target},
                              {"level", level},
                              {"parts", r.parts},
                              {"fixes", fixes}};
    }
    results.push_back(result);
  }
  nlohmann::json log = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool", {{"driver", {{"name", "cmdm"}, {"version", CMDM_VERSION}, {"rules", rules}}}}},
         {"results", results}}}}};
  return log.dump(2) + "\n";
}

// pipeline::check one file at a time, so that the progress line moves (files, parts, time).
std::vector<Row> check_with_progress(const std::vector<std::string>& paths,
                                     const pipeline::CheckOptions& check, bool quiet) {
  Progress progress("check", !quiet);
  std::vector<Row> rows;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    progress.update(i, paths.size(), paths[i]);
    std::vector<Row> one = pipeline::check({paths[i]}, check);
    for (Row& r : one) {
      progress.add_parts(r.parts);
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

// The explanations for --html and --sarif, one per row (an error row keeps its message).
std::vector<ReportEntry> explain_rows(const std::vector<Row>& rows,
                                      const pipeline::CheckOptions& check) {
  std::vector<ReportEntry> entries;
  for (const Row& r : rows) {
    ReportEntry e{.file = r.file};
    if (r.error) {
      e.error = error_text(r);
    } else {
      Result<ExplainedSource> ex =
          explain_source(r.file, check.optimize, check.context, check.sources);
      if (ex)
        e.explanation = std::move(ex->explanation);
      else
        e.error = ex.error().format();
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

// The report files a run writes besides its standard output; empty names are not written.
struct ReportFiles {
  std::string junit, sarif, html;
};

// Writes the report files; the exit code of a failed write, else 0.
int write_reports(const ReportFiles& files, const std::vector<Row>& rows,
                  const pipeline::CheckOptions& check, const pipeline::Settings& s) {
  std::vector<std::pair<std::string, std::string>> reports;  // (file, text)
  if (!files.junit.empty()) reports.emplace_back(files.junit, junit(rows, s.target, s.level));
  if (!files.sarif.empty() || !files.html.empty()) {
    std::vector<ReportEntry> entries = explain_rows(rows, check);
    if (!files.sarif.empty()) {
      reports.emplace_back(files.sarif, sarif(rows, entries, s.target, s.level));
    }
    if (!files.html.empty()) {
      std::string title = "cmdm check: " + s.target + ", level " + s.level;
      reports.emplace_back(files.html, html_report(entries, s.target, title));
    }
  }
  int status = 0;
  for (const auto& [file, text] : reports) {
    Status written = write_file_atomic(file, text);
    if (!written) status = std::max(status, report(written.error()));
  }
  return status;
}

}  // namespace

int run_check(const Args& args) {
  po::options_description options("check options");
  OptimizerArgs opt;
  pipeline::Settings& s = opt.settings;
  std::vector<std::string> files;
  ReportFiles report_files;
  LocalInstallArgs local;
  add_optimizer_options(options, opt, "target whose limit applies (workspaceone, fleet, ...)");
  add_local_install_options(options, local);
  options.add_options()("json", "print a JSON array, one object per profile")(
      "junit", po::value(&report_files.junit), "also write JUnit XML, one test case per profile")(
      "github", "print GitHub Actions ::error annotations for profiles that do not fit")(
      "sarif", po::value(&report_files.sarif),
      "also write SARIF 2.1.0, one result per profile that does not fit, with the fix")(
      "html", po::value(&report_files.html),
      "also write a self-contained HTML size report to FILE")("files", po::value(&files),
                                                              "profile sources or directories");
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("check",
                                "SRC... --target T [--level L] [--limit N] [--json] "
                                "[--junit FILE] [--sarif FILE] [--html FILE] [--github]",
                                options, positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("check", "no input files");
  Result<pipeline::Prepared> prepared = prepare(opt);
  if (!prepared) return report("check", prepared.error());
  Result<compiler::Context> context = pipeline::make_context(opt.templates);
  if (!context) return report("check", context.error());
  Result<std::vector<std::string>> paths = pipeline::expand_source_paths(files);
  if (!paths) return report(paths.error());
  pipeline::CheckOptions check;
  check.optimize = prepared->options;
  check.local_allowed = local.local_allowed();
  check.context = std::move(*context);
  check.sources = opt.sources;
  std::vector<Row> rows = check_with_progress(*paths, check, vm.count("json") > 0);

  int status = 0;
  for (const Row& r : rows) {
    std::cerr << format_diagnostics(r.warnings);
    if (r.error)
      status = std::max(status, report(*r.error));
    else if (!r.passes())
      status = std::max(status, static_cast<int>(ExitCode::kCheckFailed));
  }
  if (vm.count("json")) {
    print_json(rows, s.target, s.level);
  } else if (!vm.count("github")) {
    print_table(rows, s.target, s.level);
  }
  if (vm.count("github")) print_github(rows, s.target, s.level);
  return std::max(status, write_reports(report_files, rows, check, s));
}

}  // namespace cmdm::cli
