#include "frontend/args.h"

#include <gtest/gtest.h>

namespace cmdm::frontend {
namespace {

ProfilesRequest parse(std::vector<std::string> args) { return parse_profiles_args(args); }

TEST(ProfilesArgs, ReadsALegacyInstallGroupedOrNotAsGetoptDoes) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"-I", "-F", "/tmp/p.mobileconfig"},
                                             {"-IF", "/tmp/p.mobileconfig"},
                                             {"-I", "-F/tmp/p.mobileconfig"},
                                             {"-IF/tmp/p.mobileconfig"},
                                             {"-F", "/tmp/p.mobileconfig", "-I"}}) {
    ProfilesRequest r = parse(args);
    EXPECT_EQ(r.action, ProfilesAction::kInstall) << args[0];
    EXPECT_EQ(r.path, "/tmp/p.mobileconfig") << args[0];
  }
}

TEST(ProfilesArgs, ReadsALegacyRemoveGroupedOrNot) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-R", "-p", "com.example.a"}, {"-Rp", "com.example.a"}, {"-Rpcom.example.a"}}) {
    ProfilesRequest r = parse(args);
    EXPECT_EQ(r.action, ProfilesAction::kRemove) << args[0];
    EXPECT_EQ(r.identifier, "com.example.a") << args[0];
  }
}

TEST(ProfilesArgs, ReadsLegacyListingsWithTheirScopeAndOutput) {
  ProfilesRequest all = parse({"-P", "-o", "stdout-xml"});
  EXPECT_EQ(all.action, ProfilesAction::kList);
  EXPECT_EQ(all.scope, ListScope::kAll);
  EXPECT_EQ(all.format, ListFormat::kXml);

  ProfilesRequest computer = parse({"-C", "-ostdout-xml"});
  EXPECT_EQ(computer.scope, ListScope::kComputer);
  EXPECT_EQ(computer.format, ListFormat::kXml);

  ProfilesRequest user = parse({"-L", "-U", "bob"});
  EXPECT_EQ(user.scope, ListScope::kUser);
  EXPECT_EQ(user.user, "bob");
  EXPECT_EQ(user.format, ListFormat::kText);

  EXPECT_EQ(parse({"-P", "-o", "stdout"}).format, ListFormat::kText);
  EXPECT_EQ(parse({"-P"}).format, ListFormat::kText);
}

TEST(ProfilesArgs, WritesToAFileWithPlistAddedWhenTheNameHasNoExtension) {
  ProfilesRequest munki = parse({"-C", "-o", "/tmp/munki.d/profiles"});
  EXPECT_EQ(munki.action, ProfilesAction::kList);
  EXPECT_EQ(munki.format, ListFormat::kXmlToFile);
  EXPECT_EQ(munki.output_path, "/tmp/munki.d/profiles.plist");
  EXPECT_EQ(parse({"-C", "-o", "/tmp/out.xml"}).output_path, "/tmp/out.xml");
  EXPECT_EQ(output_file_name("/tmp/a.d/profiles"), "/tmp/a.d/profiles.plist");
  EXPECT_EQ(output_file_name("profiles"), "profiles.plist");
}

TEST(ProfilesArgs, ReadsTheVerbForms) {
  ProfilesRequest show = parse({"show", "-type", "configuration", "-output", "stdout-xml"});
  EXPECT_EQ(show.action, ProfilesAction::kList);
  EXPECT_EQ(show.format, ListFormat::kXml);
  EXPECT_EQ(parse({"list", "-output", "stdout-xml"}).format, ListFormat::kXml);
  ProfilesRequest list = parse({"list"});
  EXPECT_EQ(list.action, ProfilesAction::kList);
  EXPECT_EQ(list.format, ListFormat::kText);
  ProfilesRequest install = parse({"install", "-path", "/tmp/p.mobileconfig"});
  EXPECT_EQ(install.action, ProfilesAction::kInstall);
  EXPECT_EQ(install.path, "/tmp/p.mobileconfig");
  ProfilesRequest remove = parse({"remove", "-identifier", "com.example.a", "-forced"});
  EXPECT_EQ(remove.action, ProfilesAction::kRemove);
  EXPECT_EQ(remove.identifier, "com.example.a");
}

TEST(ProfilesArgs, PassesEverythingElseToTheRealTool) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"status", "-type", "enrollment"},
           {"show"},  // the verbose text of show is the real tool's
           {"show", "-type", "enrollment"},
           {"list", "-type", "startup"},
           {"renew", "-type", "enrollment"},
           {"-D"},
           {"-P", "-v"},
           {"-I"},                          // no file
           {"-P", "-o"},                    // -o without its value
           {"-IF"},                         // -F without its value
           {"-I", "-R", "-p", "x"},         // two verbs
           {"-P", "extra-operand"},         // an operand
           {"-I", "-F", "p", "-U", "bob"},  // a user install
           {"install", "-path"},
           {"remove", "-identifier", "x", "-all"}}) {
    EXPECT_EQ(parse(args).action, ProfilesAction::kPassThrough)
        << (args.empty() ? std::string("(none)") : args[0]) << " " << args.size();
  }
}

}  // namespace
}  // namespace cmdm::frontend
