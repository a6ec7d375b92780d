#include "emitters/layout.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "plist/file_io.h"

namespace cmdm::emitters {
namespace {

class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-layout-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

std::vector<Artifact> sample(const std::string& body = "x") {
  Manifest m;
  m.generator = "cmdm test";
  std::vector<Artifact> a = {{"profiles/a.mobileconfig", "profile-" + body},
                             {"commands/raw/a.install.plist", "cmd-" + body}};
  list_files(m, a);
  a.push_back({"manifest.json", write_manifest(m)});
  return a;
}

TEST(FileName, KeepsPlainIdentifiers) {
  EXPECT_EQ(file_name_for("com.example.safari-1_x"), "com.example.safari-1_x");
}

TEST(FileName, NeverLeavesTheDirectory) {
  std::string name = file_name_for("../../etc/passwd");
  EXPECT_EQ(name.find('/'), std::string::npos);
  EXPECT_NE(name.front(), '.');
  EXPECT_TRUE(check_relative_path("profiles/" + name).ok());
  EXPECT_NE(file_name_for("a/b"), file_name_for("a_b"));
  EXPECT_NE(file_name_for(""), "");
}

TEST(FileName, CapsLongPlainIdentifiersBelowNameMax) {
  // With ".install.mobileconfig" appended, a 250-character name would pass NAME_MAX (255).
  std::string id(250, 'a');
  std::string name = file_name_for(id);
  EXPECT_EQ(name.size(), 200u + 9u);  // 200 kept, "~" and 8 hex digits
  EXPECT_EQ(name.substr(0, 200), id.substr(0, 200));
  EXPECT_NE(file_name_for(id), file_name_for(std::string(251, 'a')));
  EXPECT_EQ(file_name_for(std::string(200, 'a')), std::string(200, 'a'));
}

TEST(RelativePath, RejectsTraversalAbsoluteAndControlCharacters) {
  EXPECT_TRUE(check_relative_path("commands/raw/a.install.plist").ok());
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/", "a\\b",
                          "a\nb"}) {
    EXPECT_FALSE(check_relative_path(bad).ok()) << bad;
  }
}

TEST(CommandPath, FollowsTheDocumentedLayout) {
  const Target& t = **find_target("workspaceone");
  EXPECT_EQ(command_path(t, "com.x", true), "commands/workspaceone/com.x.install.json");
  EXPECT_EQ(command_path(t, "com.x", false), "commands/workspaceone/com.x.remove.json");
  EXPECT_EQ(profile_path("com.x"), "profiles/com.x.mobileconfig");
}

TEST_F(LayoutTest, WritesEveryArtifact) {
  auto stats = write_layout(dir_ + "/out", sample());
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(stats->written, 3u);
  EXPECT_EQ(*read_file(dir_ + "/out/profiles/a.mobileconfig"), "profile-x");
}

// Names in `dir` other than those given, e.g. staging or temporary files left behind.
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(LayoutTest, NewOutputDirectoryAppearsWholeWithNothingLeftBeside) {
  auto stats = write_layout(dir_ + "/new/out", sample());
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(stats->written, 3u);
  EXPECT_EQ(entries(dir_ + "/new"), std::vector<std::string>{"out"});
  EXPECT_EQ(entries(dir_ + "/new/out"), (std::vector<std::string>{"commands", "manifest.json", "profiles"}));
  EXPECT_EQ(*read_file(dir_ + "/new/out/commands/raw/a.install.plist"), "cmd-x");
  // Files and directories get the modes a plain open() and mkdir() give.
  mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/new/out/profiles/a.mobileconfig").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0666 & ~mask);
  ASSERT_EQ(::stat((dir_ + "/new/out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0777 & ~mask);
  // A second build into it takes the incremental path and finds everything in place.
  auto again = write_layout(dir_ + "/new/out", sample());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 3u);
}

TEST_F(LayoutTest, FailedBuildIntoANewDirectoryLeavesNoTrace) {
  // "a" is a file, so "a/b" cannot be created: the build fails part way.
  std::vector<Artifact> bad = {{"profiles/p.mobileconfig", "x"}, {"a", "file"}, {"a/b", "y"}};
  auto stats = write_layout(dir_ + "/out", bad);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.error().format().find(dir_ + "/out/a"), std::string::npos) << stats.error().format();
  EXPECT_TRUE(entries(dir_).empty());
}

TEST_F(LayoutTest, TemporaryFilesNeverRemainAfterAnIncrementalBuild) {
  ASSERT_TRUE(write_layout(dir_, sample("x")).ok());
  ASSERT_TRUE(write_layout(dir_, sample("y")).ok());
  EXPECT_EQ(entries(dir_ + "/profiles"), std::vector<std::string>{"a.mobileconfig"});
  EXPECT_EQ(entries(dir_ + "/commands/raw"), std::vector<std::string>{"a.install.plist"});
}

TEST_F(LayoutTest, UnchangedInputsRewriteNothingAndKeepMtime) {
  ASSERT_TRUE(write_layout(dir_, sample()).ok());
  struct stat before;
  ASSERT_EQ(::stat((dir_ + "/profiles/a.mobileconfig").c_str(), &before), 0);
  // Backdate the file so a rewrite would be visible even within the same second.
  std::filesystem::last_write_time(dir_ + "/profiles/a.mobileconfig",
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  auto old_time = std::filesystem::last_write_time(dir_ + "/profiles/a.mobileconfig");
  auto stats = write_layout(dir_, sample());
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->written, 0u);
  EXPECT_EQ(stats->unchanged, 3u);
  EXPECT_EQ(std::filesystem::last_write_time(dir_ + "/profiles/a.mobileconfig"), old_time);
}

TEST_F(LayoutTest, RewritesOnlyChangedFiles) {
  ASSERT_TRUE(write_layout(dir_, sample("x")).ok());
  auto stats = write_layout(dir_, sample("y"));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->written, 3u);
  EXPECT_EQ(*read_file(dir_ + "/commands/raw/a.install.plist"), "cmd-y");
}

TEST_F(LayoutTest, RemovesWhatThePreviousBuildListedAndThisOneDoesNot) {
  ASSERT_TRUE(write_layout(dir_, sample()).ok());
  Manifest m;
  std::vector<Artifact> a = {{"profiles/a.mobileconfig", "profile-x"}};
  list_files(m, a);
  a.push_back({"manifest.json", write_manifest(m)});
  auto stats = write_layout(dir_, a);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/commands/raw/a.install.plist"));
}

TEST_F(LayoutTest, RefusesUnsafePaths) {
  auto stats = write_layout(dir_, {{"../escape", "x"}});
  ASSERT_FALSE(stats.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/../escape"));
}

}  // namespace
}  // namespace cmdm::emitters
