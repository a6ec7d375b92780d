// The expression language: parsing, positions of errors, evaluation, version comparison.
#include "compiler/expr.h"

#include <gtest/gtest.h>

namespace cmdm::compiler {
namespace {

plist::Dict context() {
  plist::Dict facts;
  facts.set("os_version", plist::Value("10.13.10"));
  facts.set("model", plist::Value("MacBookPro18,3"));
  plist::Dict d;
  d.set("facts", plist::Value(std::move(facts)));
  d.set("team_ids", plist::Value(plist::Array{plist::Value("ABC"), plist::Value("DEF")}));
  d.set("n", plist::Value(3));
  d.set("name", plist::Value("lab"));
  return d;
}

plist::Value eval_ok(std::string_view text) {
  Expression e = Expression::parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << (e.ok() ? "" : e.error().message);
  if (!e.ok()) return plist::Value();
  Expression::Outcome o = e.evaluate(context());
  EXPECT_FALSE(o.error) << text << ": " << (o.error ? o.error->message : "");
  return o.value;
}

ExprError eval_error(std::string_view text) {
  Expression e = Expression::parse(text);
  if (!e.ok()) return e.error();
  Expression::Outcome o = e.evaluate(context());
  EXPECT_TRUE(o.error) << text;
  return o.error ? *o.error : ExprError{};
}

TEST(Versions, CompareComponentsNumerically) {
  EXPECT_GT(compare_versions("10.13.10", "10.13.4"), 0);
  EXPECT_LT(compare_versions("10.9", "10.10"), 0);
  EXPECT_EQ(compare_versions("10.13", "10.13.0"), 0);
  EXPECT_EQ(compare_versions("14.01", "14.1"), 0);
  EXPECT_GT(compare_versions("100000000000000000000001", "99999999999999999999999"), 0);
}

TEST(Versions, RecogniseDottedNumbersOnly) {
  EXPECT_TRUE(is_version("14"));
  EXPECT_TRUE(is_version("10.13.4"));
  EXPECT_FALSE(is_version("10.13."));
  EXPECT_FALSE(is_version("10..13"));
  EXPECT_FALSE(is_version("14.0b1"));
  EXPECT_FALSE(is_version(""));
}

TEST(Expression, ComparesDottedStringsAsVersions) {
  EXPECT_EQ(eval_ok("facts.os_version >= '10.13.4'"), plist::Value(true));
  EXPECT_EQ(eval_ok("'10.13.10' > '10.13.4'"), plist::Value(true));
  EXPECT_EQ(eval_ok("'abc' < 'abd'"), plist::Value(true));
  EXPECT_EQ(eval_ok("'14' >= 13"), plist::Value(true));
}

TEST(Expression, EvaluatesLogicAndMembership) {
  EXPECT_EQ(eval_ok("'ABC' in team_ids and not ('XYZ' in team_ids)"), plist::Value(true));
  EXPECT_EQ(eval_ok("'XYZ' not in team_ids"), plist::Value(true));
  EXPECT_EQ(eval_ok("n == 3 or missing == 1"), plist::Value(true));  // short-circuit
  EXPECT_EQ(eval_ok("'Book' in facts.model"), plist::Value(true));
  EXPECT_EQ(eval_ok("name in ['lab', 'office']"), plist::Value(true));
  EXPECT_EQ(eval_ok("n != 4 and true"), plist::Value(true));
}

TEST(Expression, DefaultTakesTheFallbackOnlyWhenUndefined) {
  EXPECT_EQ(eval_ok("default(name, 'x')"), plist::Value("lab"));
  EXPECT_EQ(eval_ok("default(site.code, 'HQ')"), plist::Value("HQ"));
  EXPECT_EQ(eval_ok("default(port, 443)"), plist::Value(443));
}

TEST(Expression, UndefinedNameSuggestsTheClosestDefinedNames) {
  ExprError e = eval_error("facts.os_verison >= '10'");
  EXPECT_EQ(e.pos, 0u);
  EXPECT_EQ(e.message, "undefined name 'facts.os_verison'; did you mean 'facts.os_version'?");
  e = eval_error("n == 3 and team_id");
  EXPECT_EQ(e.pos, 11u);
  EXPECT_EQ(e.message, "undefined name 'team_id'; did you mean 'team_ids'?");
}

TEST(Expression, ParseErrorsPointAtTheCharacter) {
  ExprError e = eval_error("n = 3");
  EXPECT_EQ(e.pos, 2u);
  EXPECT_EQ(e.message, "'=' is not an operator; use '==' to compare");
  e = eval_error("(n == 3");
  EXPECT_EQ(e.pos, 7u);
  e = eval_error("facts.os_version >= 10.13.4");
  EXPECT_EQ(e.pos, 20u);
  EXPECT_NE(e.message.find("looks like a version"), std::string::npos);
  e = eval_error("'abc");
  EXPECT_EQ(e.message, "unterminated string");
  e = eval_error("n == 3 n");
  EXPECT_EQ(e.pos, 7u);
  e = eval_error("upper(name)");
  EXPECT_EQ(e.message, "unknown function 'upper' (the only function is default)");
  e = eval_error("1 < 2 < 3");
  EXPECT_EQ(e.message, "comparisons do not chain; use 'and' between them");
}

TEST(Expression, DeepNestingIsAnErrorNotACrash) {
  EXPECT_EQ(eval_error(std::string(100000, '(') + "1").message, "expression nested too deeply");
  std::string nots;
  for (int i = 0; i < 50000; ++i) nots += "not ";
  EXPECT_EQ(eval_error(nots + "true").message, "expression nested too deeply");
  EXPECT_EQ(eval_error(std::string(100000, '[')).message, "expression nested too deeply");
}

TEST(Expression, OrderingDifferentKindsIsAnError) {
  ExprError e = eval_error("team_ids < 3");
  EXPECT_EQ(e.message, "cannot order an array and an integer");
}

TEST(Expression, TruthinessFollowsEmptiness) {
  EXPECT_FALSE(truthy(plist::Value("")));
  EXPECT_TRUE(truthy(plist::Value("0")));
  EXPECT_FALSE(truthy(plist::Value(0)));
  EXPECT_FALSE(truthy(plist::Value(plist::Array{})));
}

}  // namespace
}  // namespace cmdm::compiler
