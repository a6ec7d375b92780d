// Man pages and completions come from the option tables --help prints (cli/reference.h).
#include "cli/reference.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "emitters/targets.h"
#include "optimizer/optimizer.h"

namespace cmdm::cli {
namespace {

const Command& command(const std::string& name) {
  auto it = std::find_if(commands().begin(), commands().end(),
                         [&](const Command& c) { return name == c.name; });
  EXPECT_NE(it, commands().end()) << name;
  return *it;
}

const OptionSpec* option(const CommandSpec& spec, const std::string& name) {
  for (const OptionSpec& o : spec.options) {
    if (o.long_name == name) return &o;
  }
  return nullptr;
}

TEST(Reference, DescribesTheOptionsThatHelpPrints) {
  CommandSpec check = describe_command(command("check"));
  EXPECT_NE(check.synopsis.find("--sarif FILE"), std::string::npos);
  const OptionSpec* target = option(check, "target");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->short_name, "t");
  EXPECT_EQ(target->value, "arg");
  const OptionSpec* level = option(check, "level");
  ASSERT_NE(level, nullptr);
  EXPECT_EQ(level->value, "arg");
  EXPECT_NE(level->description.find("(default: lossless)"), std::string::npos);
  const OptionSpec* json = option(check, "json");
  ASSERT_NE(json, nullptr);
  EXPECT_TRUE(json->value.empty());
  EXPECT_NE(option(check, "sarif"), nullptr);
  EXPECT_NE(option(check, "help"), nullptr);
  // Positional arguments are operands, not options.
  EXPECT_EQ(option(check, "files"), nullptr);
  EXPECT_EQ(check.operands, std::vector<std::string>{"files"});
}

TEST(Reference, EveryCommandHasOptionsAndASynopsis) {
  for (const Command& c : commands()) {
    CommandSpec spec = describe_command(c);
    EXPECT_NE(option(spec, "help"), nullptr) << c.name << " did not reach parse_options";
  }
}

TEST(Reference, ManPageListsEveryOptionOfItsCommand) {
  for (const Command& c : commands()) {
    std::string page = man_page(&c);
    EXPECT_EQ(page.find(".TH CMDM\\-"), page.find(".TH")) << c.name;
    for (const OptionSpec& o : describe_command(c).options) {
      std::string escaped;
      for (char ch : o.long_name) escaped += ch == '-' ? std::string("\\-") : std::string(1, ch);
      EXPECT_NE(page.find("\\fB\\-\\-" + escaped + "\\fR"), std::string::npos)
          << c.name << " --" << o.long_name;
    }
  }
}

TEST(Reference, MainPageNamesEveryCommandAndExitCode) {
  std::string page = man_page(nullptr);
  for (const Command& c : commands()) {
    EXPECT_NE(page.find(std::string(".BR cmdm\\-") + c.name + " (1)"), std::string::npos);
  }
  for (const ExitCodeInfo& e : exit_codes()) {
    EXPECT_NE(page.find(".B " + std::to_string(e.code) + "\n"), std::string::npos) << e.code;
  }
}

TEST(Reference, RoffEscapesLinesThatStartWithADot) {
  // Descriptions are text: none may become a roff request by starting a line with '.'.
  for (const Command& c : commands()) {
    std::string page = man_page(&c);
    std::size_t pos = 0;
    while ((pos = page.find("\n.", pos)) != std::string::npos) {
      ++pos;
      std::string request = page.substr(pos, page.find_first_of(" \n", pos) - pos);
      EXPECT_TRUE(request == ".TH" || request == ".SH" || request == ".TP" || request == ".B" ||
                  request == ".BR" || request == ".PP" || request == ".br")
          << c.name << ": " << request;
    }
  }
}

TEST(Reference, CompletionsOfferTheRegistriesNames) {
  for (const char* shell : {"bash", "zsh"}) {
    Result<std::string> script = completion_script(shell);
    ASSERT_TRUE(script.ok()) << shell;
    for (const emitters::Target& t : emitters::targets()) {
      EXPECT_NE(script->find(std::string(t.name)), std::string::npos) << shell << " " << t.name;
    }
    for (const optimizer::PassInfo& p : optimizer::passes()) {
      EXPECT_NE(script->find(std::string(p.id)), std::string::npos) << shell << " " << p.id;
    }
    for (const Command& c : commands()) {
      EXPECT_NE(script->find(std::string(c.name) + ")"), std::string::npos) << shell << c.name;
    }
  }
  EXPECT_EQ(value_names("level"), (std::vector<std::string>{"lossless", "safe", "aggressive"}));
  EXPECT_TRUE(value_names("output").empty());
}

TEST(Reference, AnotherShellIsAUsageError) {
  Result<std::string> script = completion_script("fish");
  ASSERT_FALSE(script.ok());
  EXPECT_EQ(script.error().code, ExitCode::kUsage);
  EXPECT_NE(script.error().format().find("expected bash or zsh"), std::string::npos);
}

}  // namespace
}  // namespace cmdm::cli
