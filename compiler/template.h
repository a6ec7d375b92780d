// The template tree: a parsed source (XML plist, JSON or YAML) before variables are applied.
// Scalars keep their text and where it sits in the source, so a bad expression can be reported
// at its exact file:line:col; directives (cmdm:if, cmdm:each, cmdm:value) hang on the nodes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/diagnostic.h"
#include "plist/scalar.h"
#include "plist/value.h"

namespace cmdm::compiler {

// How the decoded text maps back onto the raw source bytes.
enum class Escaping : std::uint8_t {
  kExact,  // byte i of the text is byte raw+i of the source
  kXml,    // XML character data or attribute value: entities, CRLF
  kJson,   // inside a JSON string literal (raw points after the opening quote)
  kNone,   // no usable mapping: positions point at raw itself
};

struct Span {
  std::uint32_t raw = plist::kNoOffset;
  Escaping escaping = Escaping::kNone;
};

// The source offset of byte `index` of a decoded text that starts at `span`.
std::uint32_t map_offset(const SourceText& source, Span span, std::size_t index);

struct TText {
  std::string text;
  Span span;
};

// A directive's expression (an attribute value in XML, a "cmdm:..." string in JSON/YAML).
struct Directive {
  std::string expr;
  Span span;
  std::string loop_var;        // cmdm:each only: the name before " in "
  std::size_t expr_begin = 0;  // cmdm:each: where the iterable expression starts in `expr`
};

struct TNode {
  enum class Kind : std::uint8_t { kScalar, kLiteral, kArray, kDict };
  Kind kind = Kind::kLiteral;
  plist::Type type = plist::Type::kString;  // kScalar: the element's type
  // kScalar from JSON/YAML strings: a string that is exactly one placeholder takes the
  // expression's own type (in XML the element's type decides).
  bool dynamic_type = false;
  TText text;                               // kScalar
  plist::Value literal;                     // kLiteral
  std::uint32_t offset = plist::kNoOffset;  // the element, for diagnostics
  std::vector<TNode> items;                 // kArray items; kDict values
  std::vector<TText> keys;                  // kDict keys, parallel to items
  std::vector<Directive> conditions;        // cmdm:if (a key's, then the element's own)
  std::optional<Directive> each;
  std::optional<Directive> value;
};

struct TemplateSource {
  TNode root;
  std::shared_ptr<const SourceText> source;
  bool has_template_syntax = false;  // any placeholder or directive
  std::vector<Diagnostic> warnings;
};

// Loaders: XML plist (pugixml; reads cmdm:* attributes), JSON (nlohmann-json) and YAML
// (yaml-cpp). Errors carry file:line:col and ExitCode::kDataError.
Result<TemplateSource> load_xml_template(std::shared_ptr<const SourceText> source);
Result<TemplateSource> load_json_template(std::shared_ptr<const SourceText> source);
Result<TemplateSource> load_yaml_template(std::shared_ptr<const SourceText> source);

// Parses the text of a directive value "x in expr" into loop_var / expr_begin. Returns an error
// message (empty on success).
std::string parse_each(Directive& d);

// True when text holds "{{".
inline bool has_placeholder(std::string_view text) {
  return text.find("{{") != std::string_view::npos;
}

// Bounds on what one expansion may make, so a small hostile template (cmdm:each nested over
// long lists, a large variable inserted many times) is refused with the place where it ran out
// instead of exhausting memory. Counted over the output: every value (containers included), and
// the bytes of its strings, keys and data. Defaults (docs/templates.md "Limits"): 2,000,000
// values and 64 MiB, far above any real profile (a large one holds a few thousand values).
struct ExpandLimits {
  std::size_t max_values = 2'000'000;
  std::size_t max_bytes = 64u * 1024 * 1024;
};

// Applies variables: placeholders, directives, typed conversion. The context is copied once
// (loop variables are bound in the copy). Errors carry file:line:col and the key path.
Result<plist::Value> expand(const TemplateSource& tmpl, const plist::Dict& context,
                            const ExpandLimits& limits = {});

// Element text as its type, through the one scalar grammar (plist/scalar.h) and base64 for data:
// exactly what the plist reader accepts. The error offset counts into `text`.
plist::Parsed<plist::Value> parse_typed_text(plist::Type type, std::string_view text);

}  // namespace cmdm::compiler
