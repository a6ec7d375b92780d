// The template expression language: a tokenizer, a recursive-descent parser with byte positions,
// and an evaluator over plist values. Internal to the compiler (tests use it directly).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plist/value.h"

namespace cmdm::compiler {

// A problem at a byte position of the expression text.
struct ExprError {
  std::size_t pos = 0;
  std::string message;
};

struct ExprNode {
  enum class Kind { kLiteral, kName, kList, kNot, kAnd, kOr, kCompare, kIn, kNotIn, kDefault };
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };
  Kind kind = Kind::kLiteral;
  Op op = Op::kEq;
  std::size_t pos = 0;   // where the node starts in the expression text
  plist::Value literal;  // kLiteral
  std::string name;      // kName, kDefault: the dotted name
  std::vector<std::unique_ptr<ExprNode>> children;
};

class Expression {
 public:
  // Parses the whole text; trailing tokens are an error.
  static Expression parse(std::string_view text);
  bool ok() const { return !error_; }
  const ExprError& error() const { return *error_; }
  const ExprNode& root() const { return *root_; }

  // Evaluates against the context dict; names are dotted paths into it.
  struct Outcome {
    plist::Value value;
    std::optional<ExprError> error;
  };
  Outcome evaluate(const plist::Dict& context) const;

 private:
  std::unique_ptr<ExprNode> root_;
  std::optional<ExprError> error_;
};

// True for dotted-number strings ("14", "10.13.4"): those compare as versions.
bool is_version(std::string_view s);
// -1, 0, 1; missing components count as 0 ("10.13" == "10.13.0").
int compare_versions(std::string_view a, std::string_view b);

// "a string", "an integer", "an array": a type name with its article, for messages.
std::string a_type(plist::Type type);

// Truthiness for cmdm:if: false, 0, "", empty array or dict are false.
bool truthy(const plist::Value& v);

// Every dotted name the context defines (for "did you mean").
std::vector<std::string> defined_names(const plist::Dict& context);

// Looks up a dotted name; null when undefined.
const plist::Value* lookup(const plist::Dict& context, std::string_view dotted);

// The text a value becomes inside a string ("3", "true", "2026-01-01T00:00:00Z"); false for
// arrays, dicts and data, which have no text form.
bool to_text(const plist::Value& v, std::string* out);

}  // namespace cmdm::compiler
