// Loads an XML plist into the template tree with pugixml, keeping the cmdm:if / cmdm:each /
// cmdm:value attributes (a plain plist reader ignores attributes) and raw offsets for positions.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <pugixml.hpp>

#include "compiler/template.h"
#include "plist/reader.h"
#include "plist/suggest.h"

namespace cmdm::compiler {

namespace {

std::size_t utf8_length(std::uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

class XmlLoader {
 public:
  explicit XmlLoader(std::shared_ptr<const SourceText> source)
      : source_(std::move(source)), buffer_(source_->text()) {}

  Result<TemplateSource> load() {
    if (Status s = plist::check_xml_characters(*source_); !s) return std::move(s.error());
    pugi::xml_document doc;
    pugi::xml_parse_result r = doc.load_buffer_inplace(
        buffer_.data(), buffer_.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
        pugi::encoding_utf8);
    if (!r) {
      return Error(ExitCode::kDataError,
                   Diagnostic::at(*source_, static_cast<std::size_t>(r.offset),
                                  std::string("malformed XML: ") + r.description()));
    }
    pugi::xml_node root = doc.first_child();
    while (root && root.type() != pugi::node_element) root = root.next_sibling();
    if (!root) return error_at(0, "no root element: not a property list");
    if (std::strcmp(root.name(), "plist") == 0) {
      pugi::xml_node inner = first_element(root);
      if (!inner) return error_at(element_offset(root), "<plist> holds no value");
      if (next_element(inner)) {
        return error_at(element_offset(next_element(inner)), "<plist> holds more than one value");
      }
      root = inner;
    }
    TemplateSource out;
    out.source = source_;
    if (!node(root, 0, &out.root)) return std::move(error_);
    if (!out.root.conditions.empty() || out.root.each || out.root.value) {
      return error_at(out.root.offset,
                      "the root element cannot carry cmdm:if, cmdm:each or cmdm:value");
    }
    out.has_template_syntax = templated_;
    return out;
  }

 private:
  static pugi::xml_node first_element(pugi::xml_node n) {
    pugi::xml_node c = n.first_child();
    while (c && c.type() != pugi::node_element) c = c.next_sibling();
    return c;
  }
  static pugi::xml_node next_element(pugi::xml_node n) {
    pugi::xml_node c = n.next_sibling();
    while (c && c.type() != pugi::node_element) c = c.next_sibling();
    return c;
  }

  std::uint32_t element_offset(pugi::xml_node n) const {
    std::ptrdiff_t d = n.name() - buffer_.data();
    return d > 0 ? static_cast<std::uint32_t>(d - 1) : 0;
  }

  std::uint32_t pointer_offset(const char* p) const {
    std::ptrdiff_t d = p - buffer_.data();
    return d >= 0 && static_cast<std::size_t>(d) <= buffer_.size() ? static_cast<std::uint32_t>(d)
                                                                   : plist::kNoOffset;
  }

  Error error_at(std::uint32_t offset, std::string message) const {
    return Error(ExitCode::kDataError, Diagnostic::at(*source_, offset, std::move(message)));
  }

  bool fail(std::uint32_t offset, std::string message) {
    error_ = error_at(offset, std::move(message));
    return false;
  }

  // The element's character data (text and CDATA children, comments skipped).
  TText text_of(pugi::xml_node n) {
    TText t;
    t.span.raw = element_offset(n);
    t.span.escaping = Escaping::kNone;
    bool first = true;
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_pcdata && c.type() != pugi::node_cdata) continue;
      if (first) {
        std::uint32_t raw = pointer_offset(c.value());
        if (raw != plist::kNoOffset) {
          t.span.raw = raw;
          t.span.escaping = c.type() == pugi::node_cdata ? Escaping::kExact : Escaping::kXml;
        }
        first = false;
      } else {
        t.span.escaping = Escaping::kNone;  // mixed pieces: positions fall back to the start
      }
      t.text += c.value();
    }
    if (has_placeholder(t.text)) templated_ = true;
    return t;
  }

  // Reads cmdm:* attributes; other attributes are ignored, as plist readers ignore them.
  bool directives(pugi::xml_node n, TNode* out, bool on_key) {
    for (pugi::xml_attribute a = n.first_attribute(); a; a = a.next_attribute()) {
      std::string_view name = a.name();
      if (name.substr(0, 5) != "cmdm:") continue;
      templated_ = true;
      Directive d;
      d.expr = a.value();
      d.span.raw = pointer_offset(a.value());
      d.span.escaping = Escaping::kXml;
      if (name == "cmdm:if") {
        out->conditions.push_back(std::move(d));
      } else if (name == "cmdm:each" && !on_key) {
        std::string problem = parse_each(d);
        if (!problem.empty()) return fail(map_offset(*source_, d.span, 0), problem);
        out->each = std::move(d);
      } else if (name == "cmdm:value" && !on_key) {
        out->value = std::move(d);
      } else if (on_key && (name == "cmdm:each" || name == "cmdm:value")) {
        return fail(element_offset(n),
                    std::string(name) + " belongs on the value element, not on <key>");
      } else {
        std::string message = "unknown directive '" + std::string(name) + "'";
        std::vector<std::string> close =
            closest_matches(name, {"cmdm:if", "cmdm:each", "cmdm:value"}, 1);
        if (!close.empty()) message += "; did you mean '" + close[0] + "'?";
        return fail(element_offset(n), message);
      }
    }
    return true;
  }

  bool node(pugi::xml_node n, int depth, TNode* out) {
    out->offset = element_offset(n);
    if (depth > plist::kMaxDepth) {
      return fail(out->offset,
                  "nesting deeper than " + std::to_string(plist::kMaxDepth) + " levels");
    }
    if (!directives(n, out, false)) return false;
    std::string_view name = n.name();
    if (name == "dict") {
      out->kind = TNode::Kind::kDict;
      for (pugi::xml_node c = first_element(n); c; c = next_element(c)) {
        if (std::strcmp(c.name(), "key") != 0) {
          return fail(element_offset(c),
                      "expected <key> in <dict>, found <" + std::string(c.name()) + ">");
        }
        TNode value_node;
        if (!directives(c, &value_node, true)) return false;
        TText key = text_of(c);
        pugi::xml_node v = next_element(c);
        if (!v) return fail(element_offset(c), "<key>" + key.text + "</key> has no value");
        std::vector<Directive> key_conditions = std::move(value_node.conditions);
        value_node.conditions.clear();
        if (!node(v, depth + 1, &value_node)) return false;
        if (value_node.each) {
          return fail(value_node.offset,
                      "cmdm:each repeats array elements; it cannot be used on a dict value");
        }
        key_conditions.insert(key_conditions.end(), value_node.conditions.begin(),
                              value_node.conditions.end());
        value_node.conditions = std::move(key_conditions);
        out->keys.push_back(std::move(key));
        out->items.push_back(std::move(value_node));
        c = v;
      }
      return true;
    }
    if (name == "array") {
      out->kind = TNode::Kind::kArray;
      for (pugi::xml_node c = first_element(n); c; c = next_element(c)) {
        out->items.emplace_back();
        if (!node(c, depth + 1, &out->items.back())) return false;
      }
      return true;
    }
    if (name == "true" || name == "false") {
      out->kind = TNode::Kind::kLiteral;
      out->literal = plist::Value(name == "true");
      out->literal.set_offset(out->offset);
      return true;
    }
    plist::Type type;
    if (name == "string")
      type = plist::Type::kString;
    else if (name == "integer")
      type = plist::Type::kInteger;
    else if (name == "real")
      type = plist::Type::kReal;
    else if (name == "date")
      type = plist::Type::kDate;
    else if (name == "data")
      type = plist::Type::kData;
    else if (name == "key")
      return fail(out->offset, "<key> outside a <dict>");
    else
      return fail(out->offset, "unknown element <" + std::string(name) + ">");
    out->kind = TNode::Kind::kScalar;
    out->type = type;
    out->text = text_of(n);
    return true;
  }

  std::shared_ptr<const SourceText> source_;
  std::string buffer_;  // pugixml parses in place; offsets are pointer differences into it
  Error error_;
  bool templated_ = false;
};

}  // namespace

std::uint32_t map_offset(const SourceText& source, Span span, std::size_t index) {
  if (span.raw == plist::kNoOffset) return 0;
  const std::string& s = source.text();
  std::size_t r = span.raw;
  switch (span.escaping) {
    case Escaping::kNone:
      return span.raw;
    case Escaping::kExact:
      return static_cast<std::uint32_t>(std::min(s.size(), r + index));
    case Escaping::kXml: {
      std::size_t decoded = 0;
      while (decoded < index && r < s.size()) {
        if (s[r] == '&') {
          std::size_t semi = s.find(';', r);
          if (semi == std::string::npos) break;
          std::string_view ent(s.data() + r + 1, semi - r - 1);
          std::size_t len = 1;
          if (!ent.empty() && ent[0] == '#') {
            std::uint32_t cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
                                   ? std::strtoul(std::string(ent.substr(2)).c_str(), nullptr, 16)
                                   : std::strtoul(std::string(ent.substr(1)).c_str(), nullptr, 10);
            len = utf8_length(cp);
          }
          decoded += len;
          r = semi + 1;
        } else if (s[r] == '\r' && r + 1 < s.size() && s[r + 1] == '\n') {
          decoded += 1;
          r += 2;
        } else {
          decoded += 1;
          r += 1;
        }
      }
      return static_cast<std::uint32_t>(r);
    }
    case Escaping::kJson: {
      std::size_t decoded = 0;
      while (decoded < index && r < s.size() && s[r] != '"') {
        if (s[r] == '\\' && r + 1 < s.size()) {
          if (s[r + 1] == 'u' && r + 5 < s.size()) {
            std::uint32_t cp = std::strtoul(s.substr(r + 2, 4).c_str(), nullptr, 16);
            if (cp >= 0xD800 && cp < 0xDC00 && r + 11 < s.size() && s[r + 6] == '\\') {
              decoded += 4;
              r += 12;
            } else {
              decoded += utf8_length(cp);
              r += 6;
            }
          } else {
            decoded += 1;
            r += 2;
          }
        } else {
          decoded += 1;
          r += 1;
        }
      }
      return static_cast<std::uint32_t>(r);
    }
  }
  return span.raw;
}

std::string parse_each(Directive& d) {
  // "x in expr": a name, the word "in", then the iterable expression.
  const std::string& e = d.expr;
  std::size_t i = 0;
  while (i < e.size() && e[i] == ' ') ++i;
  std::size_t start = i;
  while (i < e.size() && (std::isalnum(static_cast<unsigned char>(e[i])) || e[i] == '_')) ++i;
  d.loop_var = e.substr(start, i - start);
  std::size_t j = i;
  while (j < e.size() && e[j] == ' ') ++j;
  if (d.loop_var.empty() || j == i || e.compare(j, 3, "in ") != 0 ||
      e.find_first_not_of(' ', j + 3) == std::string::npos) {
    return "cmdm:each takes 'NAME in EXPRESSION', as in cmdm:each=\"team in team_ids\"";
  }
  d.expr_begin = j + 3;
  return "";
}

Result<TemplateSource> load_xml_template(std::shared_ptr<const SourceText> source) {
  XmlLoader loader(std::move(source));
  return loader.load();
}

}  // namespace cmdm::compiler
