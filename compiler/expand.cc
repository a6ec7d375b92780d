// Expands a template tree with variables: evaluates placeholders and directives, converts text
// to the element's type through the one scalar grammar (plist/scalar.h), records source offsets
// on the values for later diagnostics, and keeps the output within ExpandLimits.
#include <cmath>

#include "compiler/expr.h"
#include "compiler/template.h"
#include "plist/base64.h"

namespace cmdm::compiler {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// One piece of a text: literal text or a placeholder's expression.
struct Piece {
  bool placeholder = false;
  std::string_view text;  // literal text, or the expression between the braces
  std::size_t begin = 0;  // where `text` starts in the whole text
};

// Splits text into literal and placeholder pieces. A "}}" inside a quoted string of the
// expression does not close it. Returns the offset of an unterminated "{{" in *bad.
bool split_placeholders(std::string_view text, std::vector<Piece>* out, std::size_t* bad) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      out->push_back(Piece{false, text.substr(i), i});
      break;
    }
    if (open > i) out->push_back(Piece{false, text.substr(i, open - i), i});
    std::size_t j = open + 2;
    char quote = 0;
    while (j < text.size()) {
      char c = text[j];
      if (quote) {
        if (c == '\\') {
          j += 2;
          continue;
        }
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '}' && j + 1 < text.size() && text[j + 1] == '}') {
        break;
      }
      ++j;
    }
    if (j >= text.size()) {
      *bad = open;
      return false;
    }
    out->push_back(Piece{true, text.substr(open + 2, j - open - 2), open + 2});
    i = j + 2;
  }
  return true;
}

// What a value adds to the output: itself and every value inside it, and the bytes of its
// strings, keys and data.
struct Cost {
  std::size_t values = 0;
  std::size_t bytes = 0;
};

void add_cost(const plist::Value& v, Cost* cost) {
  ++cost->values;
  switch (v.type()) {
    case plist::Type::kString:
      cost->bytes += v.as_string().size();
      break;
    case plist::Type::kData:
      cost->bytes += v.as_data().size();
      break;
    case plist::Type::kArray:
      for (const plist::Value& item : v.as_array()) add_cost(item, cost);
      break;
    case plist::Type::kDict:
      for (const plist::DictEntry& e : v.as_dict()) {
        cost->bytes += e.key.size();
        add_cost(e.value, cost);
      }
      break;
    default:
      break;
  }
}

class Expander {
 public:
  Expander(const TemplateSource& tmpl, const plist::Dict& context, const ExpandLimits& limits)
      : tmpl_(tmpl), source_(*tmpl.source), context_(context), limits_(limits) {}

  bool run(plist::Value* out) {
    std::vector<plist::Value> values;
    if (!node(tmpl_.root, &values)) return false;
    *out = std::move(values.front());
    return true;
  }

  Error error_;

 private:
  // One step of the path to the value being expanded: a dict key as the template spells it, or
  // the array being filled (the value's index is the array's size until it is added).
  struct PathPart {
    const std::string* key = nullptr;
    const std::vector<plist::Value>* items = nullptr;
  };

  std::string key_path() const {
    plist::KeyPath p;
    for (const PathPart& part : path_)
      p = part.key ? p.key(*part.key) : p.index(part.items->size());
    return p.str();
  }

  bool fail_at(std::uint32_t offset, std::string message) {
    Diagnostic d = Diagnostic::at(source_, offset, std::move(message));
    d.key_path = key_path();
    error_ = Error(ExitCode::kDataError, std::move(d));
    return false;
  }

  // Counts a produced value against the limits; `at` is where the template made it.
  bool charge(const Cost& cost, std::uint32_t at) {
    values_ += cost.values;
    bytes_ += cost.bytes;
    if (values_ > limits_.max_values) {
      return fail_at(at, "the template expands to more than " + std::to_string(limits_.max_values) +
                             " values (cmdm:each repeated too often)");
    }
    if (bytes_ > limits_.max_bytes) return too_many_bytes(at);
    return true;
  }
  bool charge_value(const plist::Value& v, std::uint32_t at) {
    Cost cost;
    add_cost(v, &cost);
    return charge(cost, at);
  }
  bool too_many_bytes(std::uint32_t at) {
    return fail_at(at, "the template expands to more than " + std::to_string(limits_.max_bytes) +
                           " bytes of text and data (a large value inserted too often)");
  }

  // Evaluates the expression held at text[begin, begin+len) of a text with `span`.
  bool eval(std::string_view expr, Span span, std::size_t begin, plist::Value* out) {
    Expression e = Expression::parse(expr);
    if (!e.ok())
      return fail_at(map_offset(source_, span, begin + e.error().pos), e.error().message);
    Expression::Outcome o = e.evaluate(context_);
    if (o.error) return fail_at(map_offset(source_, span, begin + o.error->pos), o.error->message);
    *out = std::move(o.value);
    return true;
  }

  bool condition_holds(const TNode& n, bool* holds) {
    *holds = true;
    for (const Directive& d : n.conditions) {
      plist::Value v;
      if (!eval(d.expr, d.span, 0, &v)) return false;
      if (!truthy(v)) {
        *holds = false;
        return true;
      }
    }
    return true;
  }

  // Expands a text: placeholders become their text form. *whole is set to the value when the
  // text (trimmed) is exactly one placeholder.
  bool interpolate(const TText& t, std::string* out, std::optional<plist::Value>* whole) {
    if (!has_placeholder(t.text)) {
      *out = t.text;
      return true;
    }
    std::vector<Piece> pieces;
    std::size_t bad = 0;
    if (!split_placeholders(t.text, &pieces, &bad)) {
      return fail_at(map_offset(source_, t.span, bad),
                     "unterminated placeholder: '{{' without '}}'");
    }
    int placeholders = 0;
    bool only_space_around = true;
    for (const Piece& p : pieces) {
      if (p.placeholder) {
        ++placeholders;
      } else if (!trim(p.text).empty()) {
        only_space_around = false;
      }
    }
    const bool is_whole = placeholders == 1 && only_space_around;
    out->clear();
    for (const Piece& p : pieces) {
      if (!p.placeholder) {
        if (!append_within_limit(p.text, map_offset(source_, t.span, p.begin), out)) return false;
        continue;
      }
      if (trim(p.text).empty()) {
        return fail_at(map_offset(source_, t.span, p.begin), "empty placeholder '{{}}'");
      }
      plist::Value v;
      if (!eval(p.text, t.span, p.begin, &v)) return false;
      if (is_whole) *whole = v;
      std::string text;
      if (!to_text(v, &text)) {
        if (is_whole) continue;  // the caller uses *whole
        return fail_at(
            map_offset(source_, t.span, p.begin),
            a_type(v.type()) + " has no text form; use cmdm:value to insert it as a value");
      }
      // p.begin is just past the "{{": the limit error points at the placeholder's start.
      if (!append_within_limit(text, map_offset(source_, t.span, p.begin - 2), out)) return false;
    }
    return true;
  }

  // One text can hold many placeholders: the byte limit is checked as it grows, before the
  // finished value is charged.
  bool append_within_limit(std::string_view piece, std::uint32_t at, std::string* out) {
    if (out->size() + piece.size() > limits_.max_bytes - std::min(bytes_, limits_.max_bytes)) {
      return too_many_bytes(at);
    }
    out->append(piece);
    return true;
  }

  // Converts an expression's value to an element type (<integer>{{ n }}</integer>).
  bool convert(plist::Type type, const plist::Value& v, std::uint32_t at, plist::Value* out) {
    if (v.type() == type) {
      *out = v;
      return true;
    }
    if (type == plist::Type::kReal && v.is_integer()) {
      *out = plist::Value(v.as_integer().is_big_unsigned()
                              ? static_cast<double>(v.as_integer().as_uint64())
                              : static_cast<double>(v.as_integer().as_int64()));
      return true;
    }
    if (type == plist::Type::kInteger && v.is_real()) {
      double d = v.as_real();
      if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18) {
        *out = plist::Value(static_cast<std::int64_t>(d));
        return true;
      }
    }
    std::string text;
    if (v.is_string() || (type == plist::Type::kString && to_text(v, &text))) {
      if (v.is_string()) text = v.as_string();
      plist::Parsed<plist::Value> parsed = parse_typed_text(type, text);
      if (!parsed) return fail_at(at, parsed.error().message);
      *out = std::move(parsed).value();
      return true;
    }
    return fail_at(
        at, "cannot use " + a_type(v.type()) + " as <" + std::string(plist::type_name(type)) + ">");
  }

  // Where byte `index` of a scalar's text sits in the source (the element, when unknown).
  std::uint32_t text_offset(const TNode& n, std::size_t index) const {
    return n.text.span.raw == plist::kNoOffset ? n.offset : map_offset(source_, n.text.span, index);
  }

  bool scalar(const TNode& n, plist::Value* out) {
    std::string text;
    std::optional<plist::Value> whole;
    if (!interpolate(n.text, &text, &whole)) return false;
    if (whole) {
      if (n.dynamic_type) {
        *out = std::move(*whole);
        return true;
      }
      return convert(n.type, *whole, text_offset(n, 0), out);
    }
    if (n.type == plist::Type::kString) {
      *out = plist::Value(std::move(text));
      return true;
    }
    plist::Parsed<plist::Value> parsed = parse_typed_text(n.type, text);
    if (parsed) {
      *out = std::move(parsed).value();
      return true;
    }
    // Text without placeholders is the source's own, so the error points at its exact byte, as
    // the plist reader's does; expanded text points at its start.
    std::size_t index = has_placeholder(n.text.text) ? 0 : parsed.error().offset;
    return fail_at(text_offset(n, index), parsed.error().message);
  }

  // Expands one node into zero or more values (cmdm:if drops it; cmdm:each repeats it).
  bool node(const TNode& n, std::vector<plist::Value>* out) {
    if (n.each) return repeat(n, out);
    bool holds = true;
    if (!condition_holds(n, &holds)) return false;
    if (!holds) return true;
    plist::Value v;
    if (!single(n, &v)) return false;
    out->push_back(std::move(v));
    return true;
  }

  bool repeat(const TNode& n, std::vector<plist::Value>* out) {
    const Directive& d = *n.each;
    plist::Value items;
    if (!eval(std::string_view(d.expr).substr(d.expr_begin), d.span, d.expr_begin, &items)) {
      return false;
    }
    plist::Array list;
    if (items.is_array()) {
      list = std::move(items.as_array());
    } else if (items.is_dict()) {
      for (const plist::DictEntry& e : items.as_dict()) list.push_back(plist::Value(e.key));
    } else {
      return fail_at(
          map_offset(source_, d.span, d.expr_begin),
          "cmdm:each needs an array (or a dict, for its keys), not " + a_type(items.type()));
    }
    // Bind the loop variable in the working context, restoring what it shadowed afterwards.
    std::optional<plist::Value> shadowed;
    if (const plist::Value* old = context_.find(d.loop_var)) shadowed = *old;
    bool ok = true;
    for (plist::Value& item : list) {
      context_.set(d.loop_var, std::move(item));
      bool holds = true;
      if (!condition_holds(n, &holds)) {
        ok = false;
        break;
      }
      if (!holds) continue;
      plist::Value v;
      if (!single(n, &v)) {
        ok = false;
        break;
      }
      out->push_back(std::move(v));
    }
    if (shadowed) {
      context_.set(d.loop_var, std::move(*shadowed));
    } else {
      context_.erase(d.loop_var);
    }
    return ok;
  }

  bool single(const TNode& n, plist::Value* out) {
    if (n.value) {
      const Directive& d = *n.value;
      if (!eval(d.expr, d.span, 0, out) || !charge_value(*out, n.offset)) return false;
      out->set_offset(n.offset);
      return true;
    }
    switch (n.kind) {
      case TNode::Kind::kLiteral:
        *out = n.literal;
        break;
      case TNode::Kind::kScalar:
        if (!scalar(n, out)) return false;
        break;
      case TNode::Kind::kArray:
        if (!array(n, out)) return false;
        break;
      case TNode::Kind::kDict:
        if (!dict(n, out)) return false;
        break;
    }
    // A container's items were charged as they were made; a scalar (or a value a placeholder
    // gave) is charged whole.
    bool container = n.kind == TNode::Kind::kArray || n.kind == TNode::Kind::kDict;
    if (!(container ? charge(Cost{1, 0}, n.offset) : charge_value(*out, n.offset))) return false;
    out->set_offset(n.offset);
    return true;
  }

  bool array(const TNode& n, plist::Value* out) {
    plist::Array items;
    items.reserve(n.items.size());
    path_.push_back({nullptr, &items});
    for (const TNode& c : n.items) {
      if (!node(c, &items)) return false;
    }
    path_.pop_back();
    *out = plist::Value(std::move(items));
    return true;
  }

  bool dict(const TNode& n, plist::Value* out) {
    plist::Dict dict;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      const TNode& c = n.items[i];
      path_.push_back({&n.keys[i].text, nullptr});
      std::vector<plist::Value> values;
      if (!node(c, &values)) return false;
      if (!values.empty()) {
        std::uint32_t key_at = n.keys[i].span.raw == plist::kNoOffset
                                   ? c.offset
                                   : map_offset(source_, n.keys[i].span, 0);
        std::string key;
        if (!expand_key(n.keys[i], key_at, &key) || !charge(Cost{0, key.size()}, key_at)) {
          return false;
        }
        if (dict.contains(key)) {
          return fail_at(key_at, "duplicate key '" + key + "' in the expanded dict");
        }
        dict.append(std::move(key), std::move(values.front()));
        dict.entries().back().key_offset = key_at;
      }
      path_.pop_back();
    }
    *out = plist::Value(std::move(dict));
    return true;
  }

  bool expand_key(const TText& t, std::uint32_t at, std::string* key) {
    std::optional<plist::Value> whole;
    if (!interpolate(t, key, &whole)) return false;
    if (whole && !whole->is_string() && !to_text(*whole, key)) {
      return fail_at(at, "a key must be text, not " + a_type(whole->type()));
    }
    return true;
  }

  const TemplateSource& tmpl_;
  const SourceText& source_;
  plist::Dict context_;
  const ExpandLimits& limits_;
  std::vector<PathPart> path_;
  std::size_t values_ = 0;  // values made so far
  std::size_t bytes_ = 0;   // bytes of strings, keys and data made so far
};

}  // namespace

namespace {

template <typename T>
plist::Parsed<plist::Value> as_value(plist::Parsed<T> parsed) {
  if (!parsed) return parsed.error();
  return plist::Value(std::move(parsed).value());
}

}  // namespace

plist::Parsed<plist::Value> parse_typed_text(plist::Type type, std::string_view text) {
  switch (type) {
    case plist::Type::kString:
      return plist::Value(std::string(text));
    case plist::Type::kInteger:
      return as_value(plist::parse_integer(text));
    case plist::Type::kReal:
      return as_value(plist::parse_real(text));
    case plist::Type::kBoolean:
      return as_value(plist::parse_boolean(text));
    case plist::Type::kDate:
      return as_value(plist::parse_date(text));
    case plist::Type::kData: {
      plist::Base64Error error;
      std::optional<plist::Data> bytes = plist::base64_decode(text, &error);
      if (!bytes) return plist::ScalarError{error.offset, "malformed <data>: " + error.message};
      return plist::Value(std::move(*bytes));
    }
    default:
      return plist::ScalarError{0, "no text form for " + std::string(plist::type_name(type))};
  }
}

Result<plist::Value> expand(const TemplateSource& tmpl, const plist::Dict& context,
                            const ExpandLimits& limits) {
  Expander e(tmpl, context, limits);
  plist::Value out;
  if (!e.run(&out)) return std::move(e.error_);
  return out;
}

}  // namespace cmdm::compiler
