// `cmdm verify`: check signed profiles (signature, content digest, optionally the chain to --ca)
// and say who signed them, when, with what, and through which certificates.
#include <charconv>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/command.h"
#include "cli/commands_decl.h"
#include "pipeline/trust.h"
#include "plist/file_io.h"
#include "plist/scalar.h"
#include "signer/signer.h"

namespace cmdm::cli {

namespace {

// --at accepts Unix seconds, or a date in the plist grammar (plist/scalar.h):
// "2026-04-01T12:00:00Z", "2026-04-01Z", or a bare day "2026-04-01" for its midnight UTC. The error
// says what was wrong.
plist::Parsed<std::int64_t> parse_time(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    std::int64_t seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return plist::ScalarError{0, "Unix seconds " + plist::quote_text(text) + " are out of range"};
    }
    return seconds;
  }
  plist::Parsed<plist::Date> date = plist::parse_date(text, plist::DateForms::kPlistOrBareDay);
  if (!date) return date.error();
  return date.value().unix_seconds();
}
nlohmann::json cert_json(const signer::CertInfo& c) {
  return {{"subject", c.subject},
          {"issuer", c.issuer},
          {"serial", c.serial},
          {"key", c.key},
          {"not_before", signer::format_time(c.not_before)},
          {"not_after", signer::format_time(c.not_after)},
          {"bytes", c.der_bytes}};
}

nlohmann::json report_json(const std::string& file, const signer::VerifyReport& r) {
  nlohmann::json j = {{"file", file},
                      {"verified", true},
                      {"content_bytes", r.content_bytes},
                      {"trust", r.trust == signer::Trust::kTrusted ? "trusted" : "not checked"}};
  j["signers"] = nlohmann::json::array();
  for (const signer::SignerInfo& s : r.signers) {
    nlohmann::json sj = {{"certificate", cert_json(s.certificate)},
                         {"digest", s.digest_algorithm},
                         {"signature", s.signature_algorithm},
                         {"signed_attributes", s.signed_attributes}};
    sj["signing_time"] = s.signing_time ? nlohmann::json(signer::format_time(*s.signing_time))
                                        : nlohmann::json(nullptr);
    j["signers"].push_back(sj);
  }
  j["certificates"] = nlohmann::json::array();
  for (const signer::CertInfo& c : r.certificates) j["certificates"].push_back(cert_json(c));
  j["warnings"] = nlohmann::json::array();
  for (const Diagnostic& d : r.warnings) j["warnings"].push_back(d.message);
  return j;
}

void print_human(const std::string& file, const signer::VerifyReport& r) {
  std::cout << file << ": verified (signature and content digest"
            << (r.trust == signer::Trust::kTrusted ? "; chain trusted)"
                                                   : "; chain not checked, no --ca)")
            << '\n';
  for (const signer::SignerInfo& s : r.signers) {
    std::cout << "  signer     " << printable_text(s.certificate.subject) << " ("
              << s.certificate.key << ")\n"
              << "  algorithm  " << s.signature_algorithm << '\n'
              << "  signed at  "
              << (s.signing_time ? signer::format_time(*s.signing_time)
                                 : std::string("(no signing time)"))
              << '\n';
  }
  std::cout << "  content    " << r.content_bytes << " bytes\n";
  for (const signer::CertInfo& c : r.certificates) {
    std::cout << "  cert       " << printable_text(c.subject) << " <- " << printable_text(c.issuer)
              << "  " << c.der_bytes << " bytes, until " << signer::format_time(c.not_after)
              << '\n';
  }
  for (const Diagnostic& d : r.warnings) std::cerr << d.format();
}

// A build output directory or a bundle: its manifest signature and every file it lists
// (pipeline/trust.h). nullopt for anything else (a signed profile).
std::optional<int> verify_build(const std::string& file, const std::vector<std::string>& anchors,
                                const po::variables_map& vm, nlohmann::json& all) {
  std::error_code ec;
  Status checked = Ok{};
  if (std::filesystem::is_directory(file, ec)) {
    checked = pipeline::verify_output(file, anchors);
  } else if (file.ends_with(".cmdm")) {
    checked = pipeline::verify_bundle(file, anchors);
  } else {
    return std::nullopt;
  }
  const bool trusted = !anchors.empty();
  if (!checked) {
    const int code = report(checked.error());
    if (vm.count("json")) {
      all.push_back({{"file", file}, {"verified", false}, {"error", checked.error().format()}});
    }
    return code;
  }
  if (vm.count("json")) {
    all.push_back(
        {{"file", file}, {"verified", true}, {"trust", trusted ? "trusted" : "not checked"}});
  } else {
    std::cout << file << ": verified (manifest signature and every file it lists"
              << (trusted ? "; chain trusted)" : "; chain not checked, no --ca)") << '\n';
  }
  return 0;
}

}  // namespace

int run_verify(const Args& args) {
  po::options_description options("verify options");
  std::vector<std::string> files, anchors;
  std::string at;
  // clang-format off
  options.add_options()
      ("ca", po::value(&anchors), "trust anchors (PEM bundle or DER); repeatable")
      ("at", po::value(&at), "check validity at this time (Unix seconds or YYYY-MM-DD[THH:MM:SSZ])")
      ("json", "print a JSON array, one object per file")
      ("files", po::value(&files),
       "signed profiles, build output directories or bundles (their manifest signature)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  if (auto code = parse_options("verify", "FILE... [--ca F] [--at TIME] [--json]", options,
                                positional, args, vm)) {
    return *code;
  }
  if (files.empty()) return usage_error("verify", "no input files");
  signer::VerifyOptions verify_options;
  if (at.empty()) {
    verify_options.at_time = std::time(nullptr);
  } else if (plist::Parsed<std::int64_t> t = parse_time(at)) {
    verify_options.at_time = t.value();
  } else {
    return usage_error("verify", "cannot read --at '" + at + "' (Unix seconds or " +
                                     "YYYY-MM-DD[THH:MM:SSZ]): " + t.error().message);
  }
  for (const std::string& path : anchors) {
    Result<std::string> bytes = read_file(path);
    if (!bytes) return report(bytes.error());
    verify_options.trust_anchors.push_back(std::move(*bytes));
  }
  int status = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& file : files) {
    if (std::optional<int> code = verify_build(file, verify_options.trust_anchors, vm, all)) {
      if (status == 0 || *code > status) status = *code;
      continue;
    }
    Result<std::string> bytes = read_file(file);
    if (!bytes) {
      status = report(bytes.error());
      continue;
    }
    verify_options.file_name = file;
    Result<signer::VerifyReport> r = signer::verify(*bytes, verify_options);
    if (!r) {
      const int code = report(r.error());
      if (status == 0 || code > status) status = code;
      if (vm.count("json")) {
        all.push_back({{"file", file}, {"verified", false}, {"error", r.error().format()}});
      }
      continue;
    }
    if (vm.count("json")) {
      all.push_back(report_json(file, *r));
    } else {
      print_human(file, *r);
    }
  }
  if (vm.count("json")) std::cout << all.dump(2) << '\n';
  return status;
}

}  // namespace cmdm::cli
