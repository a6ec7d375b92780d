// The compile entry points: recognise the source format, load it (as a template when it uses
// template syntax), expand it with variables and facts, and fill identity.
#include "compiler/compiler.h"

#include <algorithm>
#include <filesystem>

#include "compiler/expr.h"
#include "compiler/template.h"
#include "plist/file_io.h"
#include "plist/reader.h"
#include "signer/signer.h"

namespace cmdm::compiler {

namespace {

std::string lower_extension(std::string_view name) {
  std::size_t slash = name.find_last_of('/');
  std::size_t dot = name.find_last_of('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

// A DER/BER SEQUENCE whose first bytes hold the pkcs7-signedData OID (1.2.840.113549.1.7.2).
bool looks_like_cms(std::string_view bytes) {
  static constexpr unsigned char kOid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                           0xF7, 0x0D, 0x01, 0x07, 0x02};
  if (bytes.empty() || static_cast<unsigned char>(bytes[0]) != 0x30) return false;
  std::string_view head = bytes.substr(0, 32);
  return head.find(std::string_view(reinterpret_cast<const char*>(kOid), sizeof kOid)) !=
         std::string_view::npos;
}

SourceFormat detect(std::string_view bytes, std::string_view name) {
  if (bytes.substr(0, 6) == "bplist") return SourceFormat::kBinaryPlist;
  if (looks_like_cms(bytes)) return SourceFormat::kCmsSigned;
  std::string ext = lower_extension(name);
  if (ext == "json") return SourceFormat::kJson;
  if (ext == "yaml" || ext == "yml") return SourceFormat::kYaml;
  std::size_t i = 0;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < bytes.size() &&
         (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
    ++i;
  }
  if (i < bytes.size() && (bytes[i] == '{' || bytes[i] == '[')) return SourceFormat::kJson;
  return SourceFormat::kXmlPlist;
}

// Checks a signed source before its content is used: a source changed after signing must not pass
// for the signer's work, least of all when the build signs it again with our key. Verification
// without trust anchors checks the signature and the content digest against the embedded signer
// certificate. Returns the warnings to keep: unwrap's "dropped" note when valid, an INVALID
// warning when the caller accepts unverified input.
Result<std::vector<Diagnostic>> check_signature(std::string_view bytes, const std::string& name,
                                                const signer::Unwrapped& unwrapped,
                                                bool allow_invalid) {
  signer::VerifyOptions vo;
  vo.file_name = name;
  Result<signer::VerifyReport> verified = signer::verify(bytes, vo);
  if (verified) return unwrapped.warnings;
  std::string why;
  for (const Diagnostic& d : verified.error().diagnostics) {
    why += (why.empty() ? "" : "; ") + d.message;
  }
  const std::string who =
      unwrapped.signer.empty() ? std::string("an unknown signer") : unwrapped.signer;
  const std::string invalid = "the signature (by " + who + ") is INVALID: " + why;
  if (!allow_invalid) {
    return Error::make(
        ExitCode::kDataError, name,
        invalid + "; refusing the source (--allow-invalid-signature reads it anyway)");
  }
  return std::vector<Diagnostic>{
      Diagnostic{Severity::kWarning, name, 0, 0, "",
                 invalid + "; read anyway as --allow-invalid-signature asks, and the signature is "
                           "dropped",
                 ""}};
}

bool xml_uses_templates(std::string_view bytes) {
  return bytes.find("{{") != std::string_view::npos ||
         bytes.find("cmdm:") != std::string_view::npos;
}

// Loads a JSON or YAML document as a plain value (no templates).
Result<plist::Value> load_structured(std::string_view bytes, const std::string& name,
                                     SourceFormat format) {
  auto source = std::make_shared<const SourceText>(name, std::string(bytes));
  Result<TemplateSource> t =
      format == SourceFormat::kJson ? load_json_template(source) : load_yaml_template(source);
  if (!t) return std::move(t.error());
  if (t->has_template_syntax) {
    return Error::make(ExitCode::kDataError, name,
                       "data files take no template syntax ({{ }} or cmdm: directives)");
  }
  return expand(*t, plist::Dict());
}

Result<plist::Value> load_data_bytes(std::string_view bytes, const std::string& name) {
  SourceFormat format = detect(bytes, name);
  if (format == SourceFormat::kJson || format == SourceFormat::kYaml) {
    return load_structured(bytes, name, format);
  }
  plist::ReadOptions options;
  options.file_name = name;
  Result<plist::Document> doc = plist::read(bytes, options);
  if (!doc) return std::move(doc.error());
  return std::move(doc->root);
}

Status merge_file(Context& context, const std::string& path, bool facts) {
  Result<std::string> bytes = read_file(path);
  if (!bytes) return std::move(bytes.error());
  Result<plist::Value> v = load_data_bytes(*bytes, path);
  if (!v) return std::move(v.error());
  if (!v->is_dict()) {
    return Error::make(ExitCode::kDataError, path,
                       std::string(facts ? "a facts" : "a variables") +
                           " file holds a dict at the top level, not " + a_type(v->type()));
  }
  if (facts) {
    plist::Value* existing = context.values.find("facts");
    if (!existing || !existing->is_dict()) {
      context.values.set("facts", plist::Value(plist::Dict()));
      existing = context.values.find("facts");
    }
    for (plist::DictEntry& e : v->as_dict()) existing->as_dict().set(e.key, std::move(e.value));
  } else {
    context.merge(v->as_dict());
  }
  return Ok{};
}

}  // namespace

void Context::set(std::string_view dotted_name, plist::Value value) {
  plist::Dict* d = &values;
  while (true) {
    std::size_t dot = dotted_name.find('.');
    std::string part(dotted_name.substr(0, dot));
    if (dot == std::string_view::npos) {
      d->set(part, std::move(value));
      return;
    }
    plist::Value* next = d->find(part);
    if (!next || !next->is_dict()) next = &d->set(part, plist::Value(plist::Dict()));
    d = &next->as_dict();
    dotted_name.remove_prefix(dot + 1);
  }
}

void Context::merge(const plist::Dict& dict) {
  for (const plist::DictEntry& e : dict) values.set(e.key, e.value);
}

Status add_var_assignment(Context& context, std::string_view assignment) {
  std::size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error::make(
        ExitCode::kUsage, "",
        "--var takes NAME=TEXT or NAME:=JSON, not '" + std::string(assignment) + "'");
  }
  bool typed = assignment[eq - 1] == ':';
  std::string_view name = assignment.substr(0, typed ? eq - 1 : eq);
  std::string_view text = assignment.substr(eq + 1);
  bool valid_name = !name.empty() && name.front() != '.' && name.back() != '.';
  for (char c : name) {
    valid_name =
        valid_name && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.');
  }
  if (!valid_name) {
    return Error::make(
        ExitCode::kUsage, "",
        "--var: '" + std::string(name) + "' is not a name (letters, digits, _ and dots)");
  }
  if (!typed) {
    context.set(name, plist::Value(std::string(text)));
    return Ok{};
  }
  Result<plist::Value> v = load_structured(text, "--var " + std::string(name), SourceFormat::kJson);
  if (!v) {
    Error e = std::move(v.error());
    e.code = ExitCode::kUsage;
    return e;
  }
  context.set(name, std::move(*v));
  return Ok{};
}

Status add_vars_file(Context& context, const std::string& path) {
  return merge_file(context, path, false);
}

Status add_facts_file(Context& context, const std::string& path) {
  return merge_file(context, path, true);
}

Result<plist::Value> load_data_file(const std::string& path) {
  Result<std::string> bytes = read_file(path);
  if (!bytes) return std::move(bytes.error());
  return load_data_bytes(*bytes, path);
}

std::string_view source_format_name(SourceFormat format) {
  switch (format) {
    case SourceFormat::kXmlPlist:
      return "xml";
    case SourceFormat::kBinaryPlist:
      return "binary";
    case SourceFormat::kCmsSigned:
      return "cms-signed";
    case SourceFormat::kJson:
      return "json";
    case SourceFormat::kYaml:
      return "yaml";
  }
  return "unknown";
}

Result<CompiledProfile> compile_bytes(std::string_view bytes, const std::string& name,
                                      const Context& context, const CompileOptions& options) {
  CompiledProfile out;
  out.format = detect(bytes, name);
  if (bytes.size() > plist::kMaxInputBytes) {
    return Error::make(ExitCode::kDataError, name,
                       "input is larger than " + std::to_string(plist::kMaxInputBytes) + " bytes");
  }
  switch (out.format) {
    case SourceFormat::kCmsSigned: {
      Result<signer::Unwrapped> u = signer::unwrap(bytes, name);
      if (!u) return std::move(u.error());
      Result<std::vector<Diagnostic>> signature =
          check_signature(bytes, name, *u, options.allow_invalid_signature);
      if (!signature) return std::move(signature.error());
      Result<CompiledProfile> inner = compile_bytes(u->content, name, context, options);
      if (!inner) return inner;
      inner->format = SourceFormat::kCmsSigned;
      inner->warnings.insert(inner->warnings.begin(), signature->begin(), signature->end());
      return inner;
    }
    case SourceFormat::kBinaryPlist: {
      plist::ReadOptions ro;
      ro.file_name = name;
      Result<plist::Document> doc = plist::read(bytes, ro);
      if (!doc) return std::move(doc.error());
      out.profile = std::move(doc->root);
      out.source = doc->source;
      out.warnings = std::move(doc->warnings);
      break;
    }
    case SourceFormat::kXmlPlist:
    case SourceFormat::kJson:
    case SourceFormat::kYaml: {
      if (out.format == SourceFormat::kXmlPlist && !xml_uses_templates(bytes)) {
        // No template syntax: the plist reader gives exactly the source's value.
        plist::ReadOptions ro;
        ro.file_name = name;
        Result<plist::Document> doc = plist::read(bytes, ro);
        if (!doc) return std::move(doc.error());
        out.profile = std::move(doc->root);
        out.source = doc->source;
        out.warnings = std::move(doc->warnings);
        break;
      }
      auto source = std::make_shared<const SourceText>(name, std::string(bytes));
      Result<TemplateSource> t = out.format == SourceFormat::kXmlPlist ? load_xml_template(source)
                                 : out.format == SourceFormat::kJson   ? load_json_template(source)
                                                                       : load_yaml_template(source);
      if (!t) return std::move(t.error());
      out.templated = t->has_template_syntax;
      Result<plist::Value> v = expand(*t, context.values);
      if (!v) return std::move(v.error());
      out.profile = std::move(*v);
      out.source = source;
      out.warnings = std::move(t->warnings);
      break;
    }
  }
  if (!out.source) out.source = std::make_shared<const SourceText>(name, std::string());
  if (options.fill_identity) {
    Status s = fill_identity(out.profile, options.stable_uuids, out.source.get());
    if (!s) return std::move(s.error());
  }
  return out;
}

Result<CompiledProfile> compile_file(const std::string& path, const Context& context,
                                     const CompileOptions& options) {
  Result<std::string> bytes = read_file(path);
  if (!bytes) return std::move(bytes.error());
  return compile_bytes(*bytes, options.display_name.empty() ? path : options.display_name, context,
                       options);
}

Result<std::vector<std::string>> expand_sources(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path == "-" || !fs::is_directory(path, ec)) return std::vector<std::string>{path};
  std::vector<std::string> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string ext = lower_extension(it->path().filename().string());
    if (ext == "mobileconfig" || ext == "plist" || ext == "json" || ext == "yaml" || ext == "yml") {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    return Error::make(ExitCode::kIoError, path, "cannot list directory: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return Error::make(ExitCode::kDataError, path,
                       "the directory holds no sources (*.mobileconfig, *.plist, *.json, *.yaml)");
  }
  return files;
}

}  // namespace cmdm::compiler
