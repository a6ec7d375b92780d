// Loads JSON (nlohmann-json) and YAML (yaml-cpp) sources into the template tree. Both map onto
// the plist model: {"$data": base64} and {"$date": ISO 8601} carry the two types they lack, and
// directives are dict keys ("cmdm:if", "cmdm:each" with "cmdm:item", "cmdm:value").
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>

#include "compiler/template.h"
#include "plist/reader.h"
#include "plist/scalar.h"
#include "plist/suggest.h"

namespace cmdm::compiler {

namespace {

Error data_error(const SourceText& source, std::uint32_t offset, std::string message) {
  return Error(ExitCode::kDataError, Diagnostic::at(source, offset, std::move(message)));
}

// ---- Directives and $data / $date, shared by JSON and YAML ----

bool is_directive_key(std::string_view k) { return k.substr(0, 5) == "cmdm:"; }

// Rewrites dicts that carry "cmdm:*" keys or are {"$data": ...} / {"$date": ...} wrappers.
// Returns false with *error set.
bool apply_dict_directives(const SourceText& source, TNode& node, bool* templated, Error* error,
                           int depth = 0) {
  if (depth > plist::kMaxDepth) {
    *error = data_error(source, node.offset,
                        "nesting deeper than " + std::to_string(plist::kMaxDepth) + " levels");
    return false;
  }
  for (TNode& child : node.items) {
    if (!apply_dict_directives(source, child, templated, error, depth + 1)) return false;
  }
  if (node.kind == TNode::Kind::kScalar && has_placeholder(node.text.text)) *templated = true;
  if (node.kind == TNode::Kind::kDict) {
    for (const TText& k : node.keys) {
      if (has_placeholder(k.text)) *templated = true;
    }
  }
  if (node.kind != TNode::Kind::kDict) return true;

  // {"$data": "..."} and {"$date": "..."}.
  if (node.keys.size() == 1 && (node.keys[0].text == "$data" || node.keys[0].text == "$date")) {
    TNode& inner = node.items[0];
    if (inner.kind != TNode::Kind::kScalar || inner.type != plist::Type::kString) {
      *error = data_error(source, inner.offset, node.keys[0].text + " takes a string");
      return false;
    }
    TNode typed = std::move(inner);
    typed.type = node.keys[0].text == "$data" ? plist::Type::kData : plist::Type::kDate;
    typed.dynamic_type = false;
    typed.conditions = std::move(node.conditions);
    typed.offset = node.offset;
    node = std::move(typed);
    return true;
  }

  bool any = false;
  for (const TText& k : node.keys) any = any || is_directive_key(k.text);
  if (!any) return true;
  *templated = true;

  std::optional<Directive> cond, each, value;
  std::optional<TNode> item;
  std::vector<TText> keys;
  std::vector<TNode> items;
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const std::string& k = node.keys[i].text;
    if (!is_directive_key(k)) {
      keys.push_back(std::move(node.keys[i]));
      items.push_back(std::move(node.items[i]));
      continue;
    }
    TNode& v = node.items[i];
    if (k == "cmdm:item") {
      item = std::move(v);
      continue;
    }
    if (k != "cmdm:if" && k != "cmdm:each" && k != "cmdm:value") {
      std::string message = "unknown directive '" + k + "'";
      std::vector<std::string> close =
          closest_matches(k, {"cmdm:if", "cmdm:each", "cmdm:value", "cmdm:item"}, 1);
      if (!close.empty()) message += "; did you mean '" + close[0] + "'?";
      *error = data_error(source, map_offset(source, node.keys[i].span, 0), message);
      return false;
    }
    if (v.kind != TNode::Kind::kScalar || v.type != plist::Type::kString) {
      *error = data_error(source, v.offset, k + " takes an expression string");
      return false;
    }
    Directive d;
    d.expr = v.text.text;
    d.span = v.text.span;
    if (k == "cmdm:each") {
      std::string problem = parse_each(d);
      if (!problem.empty()) {
        *error = data_error(source, map_offset(source, d.span, 0), problem);
        return false;
      }
      each = std::move(d);
    } else if (k == "cmdm:if") {
      cond = std::move(d);
    } else {
      value = std::move(d);
    }
  }
  std::uint32_t offset = node.offset;
  std::vector<Directive> outer_conditions = std::move(node.conditions);
  TNode result;
  if (item) {
    if (!keys.empty() || value) {
      *error = data_error(source, offset,
                          "a dict with cmdm:item holds only cmdm:if, cmdm:each and cmdm:item");
      return false;
    }
    result = std::move(*item);
  } else if (value) {
    if (!keys.empty()) {
      *error =
          data_error(source, offset, "a dict with cmdm:value holds only cmdm:if and cmdm:value");
      return false;
    }
    result.kind = TNode::Kind::kLiteral;
    result.value = std::move(value);
  } else {
    result.kind = TNode::Kind::kDict;
    result.keys = std::move(keys);
    result.items = std::move(items);
  }
  result.offset = offset;
  result.conditions.insert(result.conditions.begin(), outer_conditions.begin(),
                           outer_conditions.end());
  if (cond) result.conditions.insert(result.conditions.begin(), std::move(*cond));
  if (each) {
    if (result.each) {
      *error = data_error(source, offset, "cmdm:each twice on one element");
      return false;
    }
    result.each = std::move(each);
  }
  node = std::move(result);
  return true;
}

// cmdm:each is only meaningful on array elements; the root takes no directives.
bool check_placement(const SourceText& source, const TNode& node, bool in_array, Error* error) {
  if (node.each && !in_array) {
    *error =
        data_error(source, node.offset, "cmdm:each repeats array elements; it cannot be used here");
    return false;
  }
  for (const TNode& child : node.items) {
    if (!check_placement(source, child, node.kind == TNode::Kind::kArray, error)) return false;
  }
  return true;
}

Result<TemplateSource> finish(std::shared_ptr<const SourceText> source, TNode root) {
  TemplateSource out;
  out.source = source;
  Error error;
  if (!apply_dict_directives(*source, root, &out.has_template_syntax, &error)) return error;
  if (!root.conditions.empty() || root.each || root.value) {
    return data_error(*source, root.offset,
                      "the root element cannot carry cmdm:if, cmdm:each or cmdm:value");
  }
  if (!check_placement(*source, root, false, &error)) return error;
  out.root = std::move(root);
  return out;
}

// ---- JSON ----

// Records where each JSON token that starts a value, a key or a container end sits, in document
// order; the SAX events of nlohmann-json arrive in the same order, so the n-th event takes the
// n-th offset. (nlohmann-json reports no positions for values.)
std::vector<std::uint32_t> json_token_offsets(const std::string& s) {
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',') {
      ++i;
      continue;
    }
    out.push_back(static_cast<std::uint32_t>(i));
    if (c == '"') {
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      ++i;
    } else if (c == '{' || c == '}' || c == '[' || c == ']') {
      ++i;
    } else {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' ||
                              s[i] == '+' || s[i] == '.')) {
        ++i;
      }
      if (i == out.back()) ++i;  // a stray character; the parser reports it
    }
  }
  return out;
}

class JsonBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  JsonBuilder(const SourceText& source, std::vector<std::uint32_t> offsets)
      : source_(source), offsets_(std::move(offsets)) {}

  bool null() override {
    std::uint32_t at = next_offset();
    error_ = data_error(source_, at, "null has no property-list equivalent; leave the key out");
    return false;
  }
  bool boolean(bool v) override { return literal(plist::Value(v)); }
  bool number_integer(number_integer_t v) override {
    return literal(plist::Value(static_cast<std::int64_t>(v)));
  }
  bool number_unsigned(number_unsigned_t v) override {
    return literal(plist::Value(plist::Integer::from_unsigned(v)));
  }
  bool number_float(number_float_t v, const string_t&) override { return literal(plist::Value(v)); }
  bool string(string_t& v) override {
    TNode n;
    n.kind = TNode::Kind::kScalar;
    n.type = plist::Type::kString;
    n.dynamic_type = true;
    n.offset = next_offset();
    n.text.text = v;
    n.text.span = Span{n.offset + 1, Escaping::kJson};
    if (!refuse_nul(n.text, nullptr)) return false;
    return add(std::move(n));
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return open(TNode::Kind::kDict); }
  bool key(string_t& k) override {
    std::uint32_t at = next_offset();
    TNode* top = stack_.back();
    TText key{k, Span{at + 1, Escaping::kJson}};
    if (!refuse_nul(key, &k)) return false;
    top->keys.push_back(std::move(key));
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(TNode::Kind::kArray); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
    std::size_t colon = what.find(": ", what.find("column"));
    std::string message = colon == std::string::npos ? what : what.substr(colon + 2);
    std::size_t at = position > 0 ? position - 1 : 0;
    error_ = data_error(source_, static_cast<std::uint32_t>(at), "malformed JSON: " + message);
    return false;
  }

  TNode root_;
  bool has_root_ = false;
  std::optional<Error> error_;

 private:
  std::uint32_t next_offset() {
    return index_ < offsets_.size() ? offsets_[index_++] : plist::kNoOffset;
  }

  // The key path to the value being read: each open container's current key or index (the
  // innermost array's next index), then `key` when it is the key being read.
  std::string key_path(const std::string* key) const {
    plist::KeyPath p;
    for (std::size_t i = 0; i < stack_.size(); ++i) {
      const TNode* c = stack_[i];
      bool innermost = i + 1 == stack_.size();
      if (c->kind == TNode::Kind::kDict) {
        if (!c->keys.empty() && !(innermost && key)) p = p.key(c->keys.back().text);
      } else {
        p = p.index(c->items.size() - (innermost ? 0 : 1));
      }
    }
    if (key) p = p.key(plist::printable_key(*key));
    return p.str();
  }

  // A string or key holding "\u0000" is refused where the escape stands (plist/reader.h).
  bool refuse_nul(const TText& text, const std::string* key) {
    std::size_t nul = text.text.find('\0');
    if (nul == std::string::npos) return true;
    Diagnostic d = Diagnostic::at(source_, map_offset(source_, text.span, nul),
                                  plist::nul_character_message(key != nullptr));
    d.key_path = key_path(key);
    error_ = Error(ExitCode::kDataError, std::move(d));
    return false;
  }

  bool literal(plist::Value v) {
    TNode n;
    n.kind = TNode::Kind::kLiteral;
    n.offset = next_offset();
    v.set_offset(n.offset);
    n.literal = std::move(v);
    return add(std::move(n));
  }

  bool add(TNode n) {
    if (stack_.empty()) {
      root_ = std::move(n);
      has_root_ = true;
      return true;
    }
    if (stack_.size() > static_cast<std::size_t>(plist::kMaxDepth)) {
      error_ = data_error(source_, n.offset,
                          "nesting deeper than " + std::to_string(plist::kMaxDepth) + " levels");
      return false;
    }
    stack_.back()->items.push_back(std::move(n));
    return true;
  }

  bool open(TNode::Kind kind) {
    TNode n;
    n.kind = kind;
    n.offset = next_offset();
    if (!add(std::move(n))) return false;
    stack_.push_back(stack_.empty() ? &root_ : &stack_.back()->items.back());
    if (stack_.size() > static_cast<std::size_t>(plist::kMaxDepth) + 1) {
      error_ = data_error(source_, stack_.back()->offset,
                          "nesting deeper than " + std::to_string(plist::kMaxDepth) + " levels");
      return false;
    }
    return true;
  }

  bool close() {
    next_offset();
    stack_.pop_back();
    return true;
  }

  const SourceText& source_;
  std::vector<std::uint32_t> offsets_;
  std::size_t index_ = 0;
  std::vector<TNode*> stack_;
};

// ---- YAML ----

// YAML 1.2 core schema for plain (unquoted) scalars. The schema decides which spellings are
// numbers; the plist scalar grammar turns those it shares (decimal and 0x integers, decimal
// reals) into values, so YAML and XML read the same digits the same way.
plist::Value yaml_plain_scalar(const std::string& s, bool* is_null) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kHex("0x[0-9a-fA-F]+");
  static const std::regex kOct("0o[0-7]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  *is_null = false;
  if (s == "true" || s == "True" || s == "TRUE") return plist::Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return plist::Value(false);
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    *is_null = true;
    return plist::Value();
  }
  // Numbers too large for a plist integer or a double stay text.
  if (std::regex_match(s, kInt) || std::regex_match(s, kHex)) {
    plist::Parsed<plist::Integer> i = plist::parse_integer(s);
    return i ? plist::Value(i.value()) : plist::Value(s);
  }
  if (std::regex_match(s, kOct)) {
    errno = 0;
    unsigned long long u = std::strtoull(s.c_str() + 2, nullptr, 8);
    if (errno == 0) return plist::Value(plist::Integer::from_unsigned(u));
    return plist::Value(s);
  }
  if (std::regex_match(s, kFloat)) {
    plist::Parsed<double> d = plist::parse_real(s);
    if (!d || std::isinf(d.value())) return plist::Value(s);
    return plist::Value(d.value());
  }
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") return plist::Value(HUGE_VAL);
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return plist::Value(-HUGE_VAL);
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return plist::Value(std::nan(""));
  return plist::Value(s);
}

class YamlBuilder {
 public:
  explicit YamlBuilder(const SourceText& source) : source_(source) {}

  bool build(const YAML::Node& n, int depth, TNode* out) {
    out->offset = offset_of(n);
    // Aliases can multiply a small document into a huge tree ("billion laughs"): cap the nodes.
    if (++nodes_ > kMaxNodes) {
      return fail(out->offset, "the document expands to more than " + std::to_string(kMaxNodes) +
                                   " values (aliases repeated too often)");
    }
    if (depth > plist::kMaxDepth) {
      return fail(out->offset, "nesting deeper than " + std::to_string(plist::kMaxDepth) +
                                   " levels (or an alias that refers to itself)");
    }
    switch (n.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return fail(out->offset, "null has no property-list equivalent; leave the key out");
      case YAML::NodeType::Sequence:
        out->kind = TNode::Kind::kArray;
        for (const YAML::Node& c : n) {
          path_.push_back(path_.back().index(out->items.size()));
          out->items.emplace_back();
          if (!build(c, depth + 1, &out->items.back())) return false;
          path_.pop_back();
        }
        return true;
      case YAML::NodeType::Map:
        out->kind = TNode::Kind::kDict;
        for (const auto& kv : n) {
          if (!kv.first.IsScalar()) {
            return fail(offset_of(kv.first), "dict keys must be strings");
          }
          const std::string& key = kv.first.Scalar();
          path_.push_back(path_.back().key(plist::printable_key(key)));
          if (key.find('\0') != std::string::npos) {
            return fail(offset_of(kv.first), plist::nul_character_message(true));
          }
          out->keys.push_back(TText{key, span_of(kv.first)});
          out->items.emplace_back();
          if (!build(kv.second, depth + 1, &out->items.back())) return false;
          path_.pop_back();
        }
        return true;
      case YAML::NodeType::Scalar:
        return scalar(n, out);
    }
    return false;
  }

  Error error_;

 private:
  std::uint32_t offset_of(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    return m.pos >= 0 ? static_cast<std::uint32_t>(m.pos) : 0;
  }

  Span span_of(const YAML::Node& n) const {
    std::uint32_t at = offset_of(n);
    const std::string& s = source_.text();
    if (at < s.size() && (s[at] == '"' || s[at] == '\'')) return Span{at + 1, Escaping::kExact};
    if (at < s.size() && (s[at] == '|' || s[at] == '>')) return Span{at, Escaping::kNone};
    return Span{at, Escaping::kExact};
  }

  bool fail(std::uint32_t offset, std::string message) {
    error_ = data_error(source_, offset, std::move(message));
    error_.diagnostics.front().key_path = path_.back().str();
    return false;
  }

  bool scalar(const YAML::Node& n, TNode* out) {
    const std::string& tag = n.Tag();
    const std::string& s = n.Scalar();
    if (s.find('\0') != std::string::npos) {
      return fail(out->offset, plist::nul_character_message(false));
    }
    if (tag == "tag:yaml.org,2002:binary" || tag == "!!binary") {
      out->kind = TNode::Kind::kScalar;
      out->type = plist::Type::kData;
      out->text = TText{s, Span{out->offset, Escaping::kNone}};
      return true;
    }
    bool plain = tag == "?" || tag.empty();
    if (!plain && tag != "!" && tag != "tag:yaml.org,2002:str") {
      return fail(out->offset, "unsupported YAML tag '" + tag + "'");
    }
    if (plain) {
      bool is_null = false;
      plist::Value v = yaml_plain_scalar(s, &is_null);
      if (is_null)
        return fail(out->offset, "null has no property-list equivalent; leave the key out");
      if (!v.is_string()) {
        out->kind = TNode::Kind::kLiteral;
        v.set_offset(out->offset);
        out->literal = std::move(v);
        return true;
      }
    }
    out->kind = TNode::Kind::kScalar;
    out->type = plist::Type::kString;
    out->dynamic_type = true;
    out->text = TText{s, span_of(n)};
    return true;
  }

  static constexpr std::size_t kMaxNodes = 100000;
  const SourceText& source_;
  std::size_t nodes_ = 0;
  // The key path of the node being built: the root's (empty) first, one entry per level.
  std::vector<plist::KeyPath> path_{plist::KeyPath()};
};

}  // namespace

Result<TemplateSource> load_json_template(std::shared_ptr<const SourceText> source) {
  JsonBuilder builder(*source, json_token_offsets(source->text()));
  bool ok = nlohmann::json::sax_parse(source->text(), &builder);
  if (!ok || builder.error_) {
    if (builder.error_) return std::move(*builder.error_);
    return data_error(*source, 0, "malformed JSON");
  }
  if (!builder.has_root_) return data_error(*source, 0, "empty JSON document");
  return finish(source, std::move(builder.root_));
}

namespace {

Error yaml_error(const SourceText& source, const YAML::Mark& mark, std::string message) {
  Diagnostic d;
  d.file = source.name();
  d.line = mark.line + 1;
  d.column = mark.column + 1;
  d.message = std::move(message);
  d.source_line = std::string(source.line_text(d.line));
  return Error(ExitCode::kDataError, std::move(d));
}

}  // namespace

Result<TemplateSource> load_yaml_template(std::shared_ptr<const SourceText> source) {
  YAML::Node doc;
  try {
    doc = YAML::Load(source->text());
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at its own depth limit (2,000) with the message "bad file"; the builder's
    // limit below is lower, so this is the same error in different words.
    return yaml_error(*source, e.mark,
                      "nesting deeper than " + std::to_string(plist::kMaxDepth) + " levels");
  } catch (const YAML::Exception& e) {
    return yaml_error(*source, e.mark, "malformed YAML: " + e.msg);
  }
  if (!doc || doc.IsNull()) return data_error(*source, 0, "empty YAML document");
  YamlBuilder builder(*source);
  TNode root;
  try {
    if (!builder.build(doc, 0, &root)) return std::move(builder.error_);
  } catch (const YAML::Exception& e) {
    return data_error(*source, 0, "malformed YAML: " + e.msg);
  }
  return finish(source, std::move(root));
}

}  // namespace cmdm::compiler
