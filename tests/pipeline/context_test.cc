// The template context: files first, the command line last, whatever order the options came in.
#include "pipeline/context.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cmdm::pipeline {
namespace {

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cmdm-context-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

std::string fact(const compiler::Context& c, const char* name) {
  const plist::Value* facts = c.values.find("facts");
  const std::string* s = facts ? facts->get_string(name) : nullptr;
  return s ? *s : "";
}

TEST_F(ContextTest, TheCommandLineWinsOverAFactsFile) {
  TemplateInputs in;
  in.facts_files = {write("f.json", R"({"os_version": "14.0"})")};
  in.vars = {"facts.os_version=15.0"};
  Result<compiler::Context> c = make_context(in);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(fact(*c, "os_version"), "15.0");
}

TEST_F(ContextTest, FactsFilesComeAfterVarsFilesAndLaterFilesWin) {
  TemplateInputs in;
  in.vars_files = {write("a.yaml", "team: A\nsite: HQ\n"), write("b.yaml", "team: B\n")};
  in.facts_files = {write("f.yaml", "model: Mac14,2\n")};
  Result<compiler::Context> c = make_context(in);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->values.find("team")->as_string(), "B");
  EXPECT_EQ(c->values.find("site")->as_string(), "HQ");
  EXPECT_EQ(fact(*c, "model"), "Mac14,2");
}

TEST_F(ContextTest, AMalformedAssignmentIsAUsageError) {
  TemplateInputs in;
  in.vars = {"novalue"};
  Result<compiler::Context> c = make_context(in);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kUsage);
}

TEST_F(ContextTest, AMissingFileIsAnIoError) {
  TemplateInputs in;
  in.vars_files = {(dir_ / "missing.yaml").string()};
  Result<compiler::Context> c = make_context(in);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ExitCode::kIoError);
}

}  // namespace
}  // namespace cmdm::pipeline
