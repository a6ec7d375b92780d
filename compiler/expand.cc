// Expands a template tree with variables: evaluates placeholders and directives, converts text
// to the element's type, and records source offsets on the values for later diagnostics.
#include <cmath>
#include <cstdlib>

#include "compiler/expr.h"
#include "compiler/template.h"
#include "plist/base64.h"
#include "plist/calendar.h"

namespace cmdm::compiler {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' ||
                        s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// One piece of a text: literal text or a placeholder's expression.
struct Piece {
  bool placeholder = false;
  std::string_view text;   // literal text, or the expression between the braces
  std::size_t begin = 0;   // where `text` starts in the whole text
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

class Expander {
 public:
  Expander(const TemplateSource& tmpl, const plist::Dict& context)
      : tmpl_(tmpl), source_(*tmpl.source), context_(context) {}

  bool run(plist::Value* out) {
    std::vector<plist::Value> values;
    if (!node(tmpl_.root, &values)) return false;
    *out = std::move(values.front());
    return true;
  }

  Error error_;

 private:
  bool fail_at(std::uint32_t offset, std::string message) {
    error_ = Error(ExitCode::kDataError, Diagnostic::at(source_, offset, std::move(message)));
    return false;
  }

  // Evaluates the expression held at text[begin, begin+len) of a text with `span`.
  bool eval(std::string_view expr, Span span, std::size_t begin, plist::Value* out) {
    Expression e = Expression::parse(expr);
    if (!e.ok()) return fail_at(map_offset(source_, span, begin + e.error().pos), e.error().message);
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
      return fail_at(map_offset(source_, t.span, bad), "unterminated placeholder: '{{' without '}}'");
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
    out->clear();
    for (const Piece& p : pieces) {
      if (!p.placeholder) {
        out->append(p.text);
        continue;
      }
      if (trim(p.text).empty()) {
        return fail_at(map_offset(source_, t.span, p.begin), "empty placeholder '{{}}'");
      }
      plist::Value v;
      if (!eval(p.text, t.span, p.begin, &v)) return false;
      if (placeholders == 1 && only_space_around) {
        *whole = v;
      }
      std::string text;
      if (!to_text(v, &text)) {
        if (placeholders == 1 && only_space_around) continue;  // the caller uses *whole
        return fail_at(map_offset(source_, t.span, p.begin),
                       a_type(v.type()) + " has no text form; use cmdm:value to insert it as a value");
      }
      out->append(text);
    }
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
      std::string problem;
      std::optional<plist::Value> parsed = parse_typed_text(type, text, &problem);
      if (!parsed) return fail_at(at, problem);
      *out = std::move(*parsed);
      return true;
    }
    return fail_at(at, "cannot use " + a_type(v.type()) + " as <" +
                           std::string(plist::type_name(type)) + ">");
  }

  bool scalar(const TNode& n, plist::Value* out) {
    std::string text;
    std::optional<plist::Value> whole;
    if (!interpolate(n.text, &text, &whole)) return false;
    std::uint32_t at = map_offset(source_, n.text.span, 0);
    if (whole) {
      if (n.dynamic_type) {
        *out = std::move(*whole);
        return true;
      }
      return convert(n.type, *whole, n.text.span.raw == plist::kNoOffset ? n.offset : at, out);
    }
    if (n.type == plist::Type::kString) {
      *out = plist::Value(std::move(text));
      return true;
    }
    std::string problem;
    std::optional<plist::Value> parsed = parse_typed_text(n.type, text, &problem);
    if (!parsed) return fail_at(n.text.span.raw == plist::kNoOffset ? n.offset : at, problem);
    *out = std::move(*parsed);
    return true;
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
      list = items.as_array();
    } else if (items.is_dict()) {
      for (const plist::DictEntry& e : items.as_dict()) list.push_back(plist::Value(e.key));
    } else {
      return fail_at(map_offset(source_, d.span, d.expr_begin),
                     "cmdm:each needs an array (or a dict, for its keys), not " +
                         a_type(items.type()));
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
      if (!eval(d.expr, d.span, 0, out)) return false;
      out->set_offset(n.offset);
      return true;
    }
    switch (n.kind) {
      case TNode::Kind::kLiteral:
        *out = n.literal;
        out->set_offset(n.offset);
        return true;
      case TNode::Kind::kScalar:
        if (!scalar(n, out)) return false;
        out->set_offset(n.offset);
        return true;
      case TNode::Kind::kArray: {
        plist::Array items;
        items.reserve(n.items.size());
        for (const TNode& c : n.items) {
          if (!node(c, &items)) return false;
        }
        *out = plist::Value(std::move(items));
        out->set_offset(n.offset);
        return true;
      }
      case TNode::Kind::kDict: {
        plist::Dict dict;
        for (std::size_t i = 0; i < n.items.size(); ++i) {
          const TNode& c = n.items[i];
          std::vector<plist::Value> values;
          if (!node(c, &values)) return false;
          if (values.empty()) continue;
          std::string key;
          std::optional<plist::Value> whole;
          if (!interpolate(n.keys[i], &key, &whole)) return false;
          if (whole && !whole->is_string() && !to_text(*whole, &key)) {
            return fail_at(map_offset(source_, n.keys[i].span, 0),
                           "a key must be text, not " + a_type(whole->type()));
          }
          if (dict.contains(key)) {
            return fail_at(n.keys[i].span.raw == plist::kNoOffset
                               ? c.offset
                               : map_offset(source_, n.keys[i].span, 0),
                           "duplicate key '" + key + "' in the expanded dict");
          }
          dict.append(std::move(key), std::move(values.front()));
          dict.entries().back().key_offset =
              n.keys[i].span.raw == plist::kNoOffset ? c.offset : map_offset(source_, n.keys[i].span, 0);
        }
        *out = plist::Value(std::move(dict));
        out->set_offset(n.offset);
        return true;
      }
    }
    return false;
  }

  const TemplateSource& tmpl_;
  const SourceText& source_;
  plist::Dict context_;
};

}  // namespace

std::optional<plist::Value> parse_typed_text(plist::Type type, std::string_view raw,
                                             std::string* error) {
  std::string_view text = type == plist::Type::kString ? raw : trim(raw);
  switch (type) {
    case plist::Type::kString:
      return plist::Value(std::string(raw));
    case plist::Type::kInteger: {
      std::string s(text);
      bool negative = !s.empty() && s[0] == '-';
      std::size_t start = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
      int base = 10;
      if (s.size() > start + 2 && s[start] == '0' && (s[start + 1] == 'x' || s[start + 1] == 'X')) {
        base = 16;
        start += 2;
      }
      bool digits = s.size() > start;
      for (std::size_t i = start; i < s.size() && digits; ++i) {
        char c = s[i];
        digits = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                            : (c >= '0' && c <= '9');
      }
      if (!digits) {
        *error = "'" + std::string(text) + "' is not an integer";
        return std::nullopt;
      }
      errno = 0;
      unsigned long long magnitude = std::strtoull(s.c_str() + start, nullptr, base);
      if (errno != 0 || (negative && magnitude > 9223372036854775808ull)) {
        *error = "integer '" + std::string(text) + "' is out of range";
        return std::nullopt;
      }
      if (negative) return plist::Value(static_cast<std::int64_t>(0ull - magnitude));
      return plist::Value(plist::Integer::from_unsigned(magnitude));
    }
    case plist::Type::kReal: {
      std::string s(text);
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        *error = "'" + s + "' is not a real number";
        return std::nullopt;
      }
      return plist::Value(d);
    }
    case plist::Type::kDate: {
      // YYYY-MM-DDTHH:MM:SSZ, as plists write dates.
      std::string s(text);
      int y, mo, d, h, mi, sec;
      char tail = 0;
      if (s.size() != 20 ||
          std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail) != 7 ||
          tail != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        *error = "'" + s + "' is not a date (YYYY-MM-DDTHH:MM:SSZ)";
        return std::nullopt;
      }
      std::int64_t days = plist::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
      return plist::Value(plist::Date::from_unix(days * 86400 + h * 3600 + mi * 60 + sec));
    }
    case plist::Type::kData: {
      plist::Base64Error b64;
      std::optional<plist::Data> bytes = plist::base64_decode(text, &b64);
      if (!bytes) {
        *error = "malformed base64 in <data>: " + b64.message;
        return std::nullopt;
      }
      return plist::Value(std::move(*bytes));
    }
    default:
      *error = "no text form for " + std::string(plist::type_name(type));
      return std::nullopt;
  }
}

Result<plist::Value> expand(const TemplateSource& tmpl, const plist::Dict& context) {
  Expander e(tmpl, context);
  plist::Value out;
  if (!e.run(&out)) return std::move(e.error_);
  return out;
}

}  // namespace cmdm::compiler
