// Template expressions: tokenizer, recursive-descent parser and evaluator. Positions are byte
// offsets into the expression so errors can point at the exact character in the source file.
#include "compiler/expr.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "plist/base64.h"
#include "plist/suggest.h"

namespace cmdm::compiler {

namespace {

enum class Tok {
  kEnd,
  kString,
  kInt,
  kReal,
  kName,
  kTrue,
  kFalse,
  kAnd,
  kOr,
  kNot,
  kIn,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kError
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t pos = 0;
  std::string text;  // decoded string, name, or number spelling
};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // Returns kError with `error_` set on a bad character.
  Token next() {
    while (i_ < text_.size() &&
           (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\n' || text_[i_] == '\r')) {
      ++i_;
    }
    Token t;
    t.pos = i_;
    if (i_ >= text_.size()) return t;
    char c = text_[i_];
    if (c == '\'' || c == '"') return string(c);
    if (is_digit(c) || (c == '-' && i_ + 1 < text_.size() && is_digit(text_[i_ + 1]))) {
      return number();
    }
    if (is_name_start(c)) {
      std::size_t start = i_;
      while (i_ < text_.size() &&
             (is_name_char(text_[i_]) ||
              (text_[i_] == '.' && i_ + 1 < text_.size() && is_name_start(text_[i_ + 1])))) {
        ++i_;
      }
      t.text = std::string(text_.substr(start, i_ - start));
      if (t.text == "true")
        t.kind = Tok::kTrue;
      else if (t.text == "false")
        t.kind = Tok::kFalse;
      else if (t.text == "and")
        t.kind = Tok::kAnd;
      else if (t.text == "or")
        t.kind = Tok::kOr;
      else if (t.text == "not")
        t.kind = Tok::kNot;
      else if (t.text == "in")
        t.kind = Tok::kIn;
      else
        t.kind = Tok::kName;
      return t;
    }
    auto two = [&](char second) { return i_ + 1 < text_.size() && text_[i_ + 1] == second; };
    switch (c) {
      case '=':
        if (two('=')) {
          i_ += 2;
          t.kind = Tok::kEq;
          return t;
        }
        return fail(t, "'=' is not an operator; use '==' to compare");
      case '!':
        if (two('=')) {
          i_ += 2;
          t.kind = Tok::kNe;
          return t;
        }
        return fail(t, "'!' is not an operator; use 'not' or '!='");
      case '<':
        if (two('=')) {
          i_ += 2;
          t.kind = Tok::kLe;
          return t;
        }
        ++i_;
        t.kind = Tok::kLt;
        return t;
      case '>':
        if (two('=')) {
          i_ += 2;
          t.kind = Tok::kGe;
          return t;
        }
        ++i_;
        t.kind = Tok::kGt;
        return t;
      case '&':
        return fail(t, two('&') ? "use 'and' instead of '&&'" : "unexpected character '&'");
      case '|':
        return fail(t, two('|') ? "use 'or' instead of '||'" : "unexpected character '|'");
      case '(':
        ++i_;
        t.kind = Tok::kLParen;
        return t;
      case ')':
        ++i_;
        t.kind = Tok::kRParen;
        return t;
      case '[':
        ++i_;
        t.kind = Tok::kLBracket;
        return t;
      case ']':
        ++i_;
        t.kind = Tok::kRBracket;
        return t;
      case ',':
        ++i_;
        t.kind = Tok::kComma;
        return t;
      default:
        break;
    }
    std::string shown(1, c);
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
      shown = buf;
    }
    return fail(t, "unexpected character '" + shown + "'");
  }

  const ExprError& error() const { return error_; }

 private:
  Token fail(Token t, std::string message) {
    error_ = ExprError{t.pos, std::move(message)};
    t.kind = Tok::kError;
    return t;
  }

  Token string(char quote) {
    Token t;
    t.pos = i_;
    t.kind = Tok::kString;
    ++i_;
    while (i_ < text_.size() && text_[i_] != quote) {
      char c = text_[i_];
      if (c == '\\' && i_ + 1 < text_.size()) {
        char e = text_[i_ + 1];
        switch (e) {
          case 'n':
            t.text += '\n';
            break;
          case 't':
            t.text += '\t';
            break;
          case '\\':
          case '\'':
          case '"':
            t.text += e;
            break;
          default:
            error_ = ExprError{i_, std::string("unknown escape '\\") + e + "' in string"};
            t.kind = Tok::kError;
            return t;
        }
        i_ += 2;
        continue;
      }
      t.text += c;
      ++i_;
    }
    if (i_ >= text_.size()) {
      error_ = ExprError{t.pos, "unterminated string"};
      t.kind = Tok::kError;
      return t;
    }
    ++i_;  // closing quote
    return t;
  }

  Token number() {
    Token t;
    t.pos = i_;
    std::size_t start = i_;
    if (text_[i_] == '-') ++i_;
    int dots = 0;
    while (i_ < text_.size() && (is_digit(text_[i_]) || text_[i_] == '.')) {
      if (text_[i_] == '.') ++dots;
      ++i_;
    }
    t.text = std::string(text_.substr(start, i_ - start));
    if (i_ < text_.size() && is_name_start(text_[i_])) {
      error_ = ExprError{start, "malformed number '" + t.text + text_[i_] + "...'"};
      t.kind = Tok::kError;
      return t;
    }
    if (dots >= 2) {
      error_ = ExprError{start, "'" + t.text + "' looks like a version; quote it: '" + t.text +
                                    "' (quoted dotted numbers compare as versions)"};
      t.kind = Tok::kError;
      return t;
    }
    if (t.text.back() == '.') {
      error_ = ExprError{start, "malformed number '" + t.text + "'"};
      t.kind = Tok::kError;
      return t;
    }
    t.kind = dots == 1 ? Tok::kReal : Tok::kInt;
    return t;
  }

  std::string_view text_;
  std::size_t i_ = 0;
  ExprError error_;
};

std::string_view token_text(Tok t) {
  switch (t) {
    case Tok::kEnd:
      return "end of expression";
    case Tok::kString:
      return "a string";
    case Tok::kInt:
    case Tok::kReal:
      return "a number";
    case Tok::kName:
      return "a name";
    case Tok::kTrue:
      return "'true'";
    case Tok::kFalse:
      return "'false'";
    case Tok::kAnd:
      return "'and'";
    case Tok::kOr:
      return "'or'";
    case Tok::kNot:
      return "'not'";
    case Tok::kIn:
      return "'in'";
    case Tok::kEq:
      return "'=='";
    case Tok::kNe:
      return "'!='";
    case Tok::kLt:
      return "'<'";
    case Tok::kLe:
      return "'<='";
    case Tok::kGt:
      return "'>'";
    case Tok::kGe:
      return "'>='";
    case Tok::kLParen:
      return "'('";
    case Tok::kRParen:
      return "')'";
    case Tok::kLBracket:
      return "'['";
    case Tok::kRBracket:
      return "']'";
    case Tok::kComma:
      return "','";
    case Tok::kError:
      return "an error";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lexer_(text) { advance(); }

  std::unique_ptr<ExprNode> parse_all(std::optional<ExprError>* error) {
    std::unique_ptr<ExprNode> n = parse_or();
    if (n && tok_.kind != Tok::kEnd) {
      n = nullptr;
      if (!error_)
        set_error(tok_.pos,
                  "unexpected " + std::string(token_text(tok_.kind)) + " after the expression");
    }
    if (!n) *error = error_;
    return n;
  }

 private:
  void advance() {
    tok_ = lexer_.next();
    if (tok_.kind == Tok::kError && !error_) error_ = lexer_.error();
  }

  std::nullptr_t set_error(std::size_t pos, std::string message) {
    if (!error_) error_ = ExprError{pos, std::move(message)};
    return nullptr;
  }

  std::unique_ptr<ExprNode> make(ExprNode::Kind kind, std::size_t pos) {
    auto n = std::make_unique<ExprNode>();
    n->kind = kind;
    n->pos = pos;
    return n;
  }

  std::unique_ptr<ExprNode> parse_or() {
    // Bounded recursion: "((((...", "not not not ..." and nested lists cannot exhaust the stack.
    struct Depth {
      int& d;
      explicit Depth(int& depth) : d(++depth) {}
      ~Depth() { --d; }
    } guard(depth_);
    if (depth_ > kMaxExprDepth) return set_error(tok_.pos, "expression nested too deeply");
    auto left = parse_and();
    while (left && tok_.kind == Tok::kOr) {
      auto n = make(ExprNode::Kind::kOr, left->pos);
      advance();
      auto right = parse_and();
      if (!right) return nullptr;
      n->children.push_back(std::move(left));
      n->children.push_back(std::move(right));
      left = std::move(n);
    }
    return left;
  }

  std::unique_ptr<ExprNode> parse_and() {
    auto left = parse_not();
    while (left && tok_.kind == Tok::kAnd) {
      auto n = make(ExprNode::Kind::kAnd, left->pos);
      advance();
      auto right = parse_not();
      if (!right) return nullptr;
      n->children.push_back(std::move(left));
      n->children.push_back(std::move(right));
      left = std::move(n);
    }
    return left;
  }

  std::unique_ptr<ExprNode> parse_not() {
    if (tok_.kind == Tok::kNot) {
      if (not_depth_ >= kMaxExprDepth) return set_error(tok_.pos, "expression nested too deeply");
      ++not_depth_;
      auto n = make(ExprNode::Kind::kNot, tok_.pos);
      advance();
      auto operand = parse_not();
      --not_depth_;
      if (!operand) return nullptr;
      n->children.push_back(std::move(operand));
      return n;
    }
    return parse_compare();
  }

  std::unique_ptr<ExprNode> parse_compare() {
    auto left = parse_primary();
    if (!left) return nullptr;
    ExprNode::Kind kind = ExprNode::Kind::kCompare;
    ExprNode::Op op = ExprNode::Op::kEq;
    switch (tok_.kind) {
      case Tok::kEq:
        op = ExprNode::Op::kEq;
        break;
      case Tok::kNe:
        op = ExprNode::Op::kNe;
        break;
      case Tok::kLt:
        op = ExprNode::Op::kLt;
        break;
      case Tok::kLe:
        op = ExprNode::Op::kLe;
        break;
      case Tok::kGt:
        op = ExprNode::Op::kGt;
        break;
      case Tok::kGe:
        op = ExprNode::Op::kGe;
        break;
      case Tok::kIn:
        kind = ExprNode::Kind::kIn;
        break;
      case Tok::kNot: {
        std::size_t not_pos = tok_.pos;
        advance();
        if (tok_.kind != Tok::kIn) return set_error(not_pos, "expected 'in' after 'not'");
        kind = ExprNode::Kind::kNotIn;
        break;
      }
      default:
        return left;
    }
    auto n = make(kind, left->pos);
    n->op = op;
    advance();
    auto right = parse_primary();
    if (!right) return nullptr;
    n->children.push_back(std::move(left));
    n->children.push_back(std::move(right));
    switch (tok_.kind) {
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
      case Tok::kIn:
        return set_error(tok_.pos, "comparisons do not chain; use 'and' between them");
      default:
        break;
    }
    return n;
  }

  std::unique_ptr<ExprNode> parse_primary() {
    Token t = tok_;
    switch (t.kind) {
      case Tok::kString: {
        auto n = make(ExprNode::Kind::kLiteral, t.pos);
        n->literal = plist::Value(t.text);
        advance();
        return n;
      }
      case Tok::kInt: {
        auto n = make(ExprNode::Kind::kLiteral, t.pos);
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (ec != std::errc() || p != t.text.data() + t.text.size()) {
          return set_error(t.pos, "integer out of range: " + t.text);
        }
        n->literal = plist::Value(v);
        advance();
        return n;
      }
      case Tok::kReal: {
        auto n = make(ExprNode::Kind::kLiteral, t.pos);
        n->literal = plist::Value(std::strtod(t.text.c_str(), nullptr));
        advance();
        return n;
      }
      case Tok::kTrue:
      case Tok::kFalse: {
        auto n = make(ExprNode::Kind::kLiteral, t.pos);
        n->literal = plist::Value(t.kind == Tok::kTrue);
        advance();
        return n;
      }
      case Tok::kName: {
        advance();
        if (tok_.kind == Tok::kLParen) return parse_call(t);
        auto n = make(ExprNode::Kind::kName, t.pos);
        n->name = t.text;
        return n;
      }
      case Tok::kLParen: {
        advance();
        auto inner = parse_or();
        if (!inner) return nullptr;
        if (tok_.kind != Tok::kRParen) {
          return set_error(tok_.pos, "expected ')' to close the '(' at offset " +
                                         std::to_string(t.pos + 1) + ", found " +
                                         std::string(token_text(tok_.kind)));
        }
        advance();
        return inner;
      }
      case Tok::kLBracket: {
        auto n = make(ExprNode::Kind::kList, t.pos);
        advance();
        if (tok_.kind == Tok::kRBracket) {
          advance();
          return n;
        }
        while (true) {
          auto item = parse_or();
          if (!item) return nullptr;
          n->children.push_back(std::move(item));
          if (tok_.kind == Tok::kComma) {
            advance();
            continue;
          }
          if (tok_.kind == Tok::kRBracket) {
            advance();
            return n;
          }
          return set_error(tok_.pos, "expected ',' or ']' in the list, found " +
                                         std::string(token_text(tok_.kind)));
        }
      }
      case Tok::kError:
        return nullptr;
      default:
        return set_error(t.pos, "expected a value, found " + std::string(token_text(t.kind)));
    }
  }

  // name '(' args ')': the only function is default(name, value).
  std::unique_ptr<ExprNode> parse_call(const Token& fn) {
    if (fn.text != "default") {
      return set_error(fn.pos, "unknown function '" + fn.text + "' (the only function is default)");
    }
    advance();  // '('
    if (tok_.kind != Tok::kName) {
      return set_error(tok_.pos,
                       "default() takes a variable name first, as in default(name, 'value')");
    }
    auto n = make(ExprNode::Kind::kDefault, fn.pos);
    n->name = tok_.text;
    advance();
    if (tok_.kind != Tok::kComma) {
      return set_error(tok_.pos, "expected ',' after the name in default(name, value)");
    }
    advance();
    auto fallback = parse_or();
    if (!fallback) return nullptr;
    n->children.push_back(std::move(fallback));
    if (tok_.kind != Tok::kRParen) {
      return set_error(tok_.pos, "expected ')' to close default(");
    }
    advance();
    return n;
  }

  static constexpr int kMaxExprDepth = 64;
  Lexer lexer_;
  Token tok_;
  std::optional<ExprError> error_;
  int depth_ = 0;
  int not_depth_ = 0;
};

bool is_number(const plist::Value& v) { return v.is_integer() || v.is_real(); }

double number_of(const plist::Value& v) {
  if (v.is_real()) return v.as_real();
  plist::Integer i = v.as_integer();
  return i.is_big_unsigned() ? static_cast<double>(i.as_uint64())
                             : static_cast<double>(i.as_int64());
}

std::string describe_type(const plist::Value& v) { return a_type(v.type()); }

// Ordering of two values, or nullopt when they do not compare (different kinds).
std::optional<int> order(const plist::Value& a, const plist::Value& b) {
  if (a.is_string() && b.is_string()) {
    const std::string& x = a.as_string();
    const std::string& y = b.as_string();
    if (is_version(x) && is_version(y)) return compare_versions(x, y);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (is_number(a) && is_number(b)) {
    if (a.is_integer() && b.is_integer() && !a.as_integer().is_big_unsigned() &&
        !b.as_integer().is_big_unsigned()) {
      std::int64_t x = a.as_integer().as_int64(), y = b.as_integer().as_int64();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    double x = number_of(a), y = number_of(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  // A number against a version string ("14" >= 13): compare as versions.
  if ((a.is_string() && b.is_integer() && is_version(a.as_string())) ||
      (a.is_integer() && b.is_string() && is_version(b.as_string()))) {
    std::string x = a.is_string() ? a.as_string() : a.as_integer().to_string();
    std::string y = b.is_string() ? b.as_string() : b.as_integer().to_string();
    return compare_versions(x, y);
  }
  if (a.is_bool() && b.is_bool())
    return static_cast<int>(a.as_bool()) - static_cast<int>(b.as_bool());
  if (a.is_date() && b.is_date()) {
    double x = a.as_date().seconds_since_2001, y = b.as_date().seconds_since_2001;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return std::nullopt;
}

bool equal(const plist::Value& a, const plist::Value& b) {
  if (a.type() == b.type() && !a.is_string()) return a == b;
  std::optional<int> o = order(a, b);
  return o && *o == 0;
}

class Evaluator {
 public:
  explicit Evaluator(const plist::Dict& context) : context_(context) {}

  // Returns false with error_ set.
  bool eval(const ExprNode& n, plist::Value* out) {
    switch (n.kind) {
      case ExprNode::Kind::kLiteral:
        *out = n.literal;
        return true;
      case ExprNode::Kind::kName: {
        const plist::Value* v = lookup(context_, n.name);
        if (!v) return undefined(n);
        *out = *v;
        return true;
      }
      case ExprNode::Kind::kDefault: {
        const plist::Value* v = lookup(context_, n.name);
        if (v) {
          *out = *v;
          return true;
        }
        return eval(*n.children[0], out);
      }
      case ExprNode::Kind::kList: {
        plist::Array items;
        for (const auto& c : n.children) {
          plist::Value v;
          if (!eval(*c, &v)) return false;
          items.push_back(std::move(v));
        }
        *out = plist::Value(std::move(items));
        return true;
      }
      case ExprNode::Kind::kNot: {
        plist::Value v;
        if (!eval(*n.children[0], &v)) return false;
        *out = plist::Value(!truthy(v));
        return true;
      }
      case ExprNode::Kind::kAnd:
      case ExprNode::Kind::kOr: {
        plist::Value v;
        if (!eval(*n.children[0], &v)) return false;
        bool left = truthy(v);
        if (n.kind == ExprNode::Kind::kAnd ? !left : left) {
          *out = plist::Value(left);
          return true;
        }
        if (!eval(*n.children[1], &v)) return false;
        *out = plist::Value(truthy(v));
        return true;
      }
      case ExprNode::Kind::kCompare: {
        plist::Value a, b;
        if (!eval(*n.children[0], &a) || !eval(*n.children[1], &b)) return false;
        if (n.op == ExprNode::Op::kEq || n.op == ExprNode::Op::kNe) {
          bool eq = equal(a, b);
          *out = plist::Value(n.op == ExprNode::Op::kEq ? eq : !eq);
          return true;
        }
        std::optional<int> o = order(a, b);
        if (!o) {
          error_ =
              ExprError{n.pos, "cannot order " + describe_type(a) + " and " + describe_type(b)};
          return false;
        }
        bool r = false;
        switch (n.op) {
          case ExprNode::Op::kLt:
            r = *o < 0;
            break;
          case ExprNode::Op::kLe:
            r = *o <= 0;
            break;
          case ExprNode::Op::kGt:
            r = *o > 0;
            break;
          case ExprNode::Op::kGe:
            r = *o >= 0;
            break;
          default:
            break;
        }
        *out = plist::Value(r);
        return true;
      }
      case ExprNode::Kind::kIn:
      case ExprNode::Kind::kNotIn: {
        plist::Value a, b;
        if (!eval(*n.children[0], &a) || !eval(*n.children[1], &b)) return false;
        bool found = false;
        if (b.is_array()) {
          for (const plist::Value& item : b.as_array()) {
            if (equal(a, item)) {
              found = true;
              break;
            }
          }
        } else if (b.is_dict()) {
          if (!a.is_string()) {
            error_ = ExprError{n.pos, "'in' a dict needs a string key, not " + describe_type(a)};
            return false;
          }
          found = b.as_dict().contains(a.as_string());
        } else if (b.is_string()) {
          if (!a.is_string()) {
            error_ = ExprError{n.pos, "'in' a string needs a string, not " + describe_type(a)};
            return false;
          }
          found = b.as_string().find(a.as_string()) != std::string::npos;
        } else {
          error_ = ExprError{
              n.children[1]->pos,
              "'in' needs an array, dict or string on the right, not " + describe_type(b)};
          return false;
        }
        *out = plist::Value(n.kind == ExprNode::Kind::kIn ? found : !found);
        return true;
      }
    }
    return false;
  }

  ExprError error_;

 private:
  bool undefined(const ExprNode& n) {
    std::vector<std::string> names = defined_names(context_);
    std::string message = "undefined name '" + n.name + "'";
    std::vector<std::string> close = closest_matches(n.name, names);
    if (!close.empty()) {
      message += "; did you mean ";
      for (std::size_t i = 0; i < close.size(); ++i) {
        if (i > 0) message += i + 1 == close.size() ? " or " : ", ";
        message += "'" + close[i] + "'";
      }
      message += "?";
    } else if (names.empty()) {
      message += " (no variables are defined; pass --var NAME=VALUE or --vars FILE)";
    } else if (names.size() <= 8) {
      message += " (defined:";
      for (const std::string& s : names) message += " " + s;
      message += ")";
    }
    error_ = ExprError{n.pos, std::move(message)};
    return false;
  }

  const plist::Dict& context_;
};

void collect_names(const plist::Dict& d, const std::string& prefix, int depth,
                   std::vector<std::string>* out) {
  for (const plist::DictEntry& e : d) {
    std::string name = prefix.empty() ? e.key : prefix + "." + e.key;
    out->push_back(name);
    if (e.value.is_dict() && depth < 8) collect_names(e.value.as_dict(), name, depth + 1, out);
  }
}

}  // namespace

Expression Expression::parse(std::string_view text) {
  Expression e;
  Parser p(text);
  std::optional<ExprError> error;
  e.root_ = p.parse_all(&error);
  if (!e.root_) e.error_ = error ? *error : ExprError{0, "empty expression"};
  return e;
}

Expression::Outcome Expression::evaluate(const plist::Dict& context) const {
  Outcome o;
  if (!root_) {
    o.error = error_;
    return o;
  }
  Evaluator ev(context);
  if (!ev.eval(*root_, &o.value)) o.error = ev.error_;
  return o;
}

std::string a_type(plist::Type type) {
  std::string_view name = plist::type_name(type);
  bool vowel = name[0] == 'a' || name[0] == 'i';
  return std::string(vowel ? "an " : "a ") + std::string(name);
}

bool is_version(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = '.';
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_digit(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

int compare_versions(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    // Compare one component numerically without overflow: skip leading zeros, then by length.
    auto component = [](std::string_view s, std::size_t* k) {
      std::size_t start = *k;
      while (*k < s.size() && s[*k] != '.') ++*k;
      std::string_view c = s.substr(start, *k - start);
      if (*k < s.size()) ++*k;  // the dot
      while (c.size() > 1 && c.front() == '0') c.remove_prefix(1);
      if (c.empty()) c = "0";
      return c;
    };
    std::string_view x = component(a, &i);
    std::string_view y = component(b, &j);
    if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool truthy(const plist::Value& v) {
  switch (v.type()) {
    case plist::Type::kBoolean:
      return v.as_bool();
    case plist::Type::kInteger:
      return v.as_integer().as_uint64() != 0;
    case plist::Type::kReal:
      return v.as_real() != 0;
    case plist::Type::kString:
      return !v.as_string().empty();
    case plist::Type::kArray:
      return !v.as_array().empty();
    case plist::Type::kDict:
      return !v.as_dict().empty();
    case plist::Type::kData:
      return !v.as_data().empty();
    case plist::Type::kDate:
      return true;
  }
  return false;
}

std::vector<std::string> defined_names(const plist::Dict& context) {
  std::vector<std::string> out;
  collect_names(context, "", 0, &out);
  return out;
}

const plist::Value* lookup(const plist::Dict& context, std::string_view dotted) {
  const plist::Dict* d = &context;
  while (true) {
    std::size_t dot = dotted.find('.');
    std::string_view part = dotted.substr(0, dot);
    const plist::Value* v = d->find(part);
    if (!v) return nullptr;
    if (dot == std::string_view::npos) return v;
    if (!v->is_dict()) return nullptr;
    d = &v->as_dict();
    dotted.remove_prefix(dot + 1);
  }
}

bool to_text(const plist::Value& v, std::string* out) {
  switch (v.type()) {
    case plist::Type::kString:
      *out = v.as_string();
      return true;
    case plist::Type::kInteger:
      *out = v.as_integer().to_string();
      return true;
    case plist::Type::kBoolean:
      *out = v.as_bool() ? "true" : "false";
      return true;
    case plist::Type::kDate:
      *out = v.as_date().to_iso8601();
      return true;
    case plist::Type::kReal: {
      char buf[64];
      double d = v.as_real();
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
      if (ec != std::errc()) return false;
      *out = std::string(buf, p);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace cmdm::compiler
