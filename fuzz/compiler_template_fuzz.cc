// Template expressions and XML template expansion. The first line of the input is an expression
// (parsed, evaluated, and read as a `cmdm:each` "x in expr"); the rest is an XML plist template
// compiled against fuzz_context.h's variables.
#include "compiler/expr.h"
#include "compiler/template.h"
#include "fuzz/fuzz_context.h"
#include "fuzz/fuzz_util.h"

using namespace cmdm;

namespace {

void run_expression(std::string_view text) {
  static const compiler::Context context = fuzz::template_context();
  compiler::Expression expression = compiler::Expression::parse(text);
  if (expression.ok()) {
    compiler::Expression::Outcome outcome = expression.evaluate(context.values);
    if (!outcome.error) {
      (void)compiler::truthy(outcome.value);
      std::string text_form;
      (void)compiler::to_text(outcome.value, &text_form);
    }
  } else {
    fuzz::require(expression.error().pos <= text.size(), "an error position lies inside the text");
  }
  compiler::Directive each;
  each.expr = std::string(text);
  (void)compiler::parse_each(each);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  std::size_t newline = input.find('\n');
  run_expression(input.substr(0, newline));
  if (newline != std::string_view::npos) {
    fuzz::compile_and_validate(input.substr(newline + 1), "fuzz.mobileconfig");
  }
  return 0;
}
