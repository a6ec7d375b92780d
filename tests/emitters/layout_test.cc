#include "emitters/layout.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "plist/file_io.h"
#include "plist/hash.h"

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
  for (const char* bad :
       {"", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/", "a\\b", "a\nb"}) {
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
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(LayoutTest, NewOutputDirectoryAppearsWholeWithNothingLeftBeside) {
  auto stats = write_layout(dir_ + "/new/out", sample());
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(stats->written, 3u);
  EXPECT_EQ(entries(dir_ + "/new"), std::vector<std::string>{"out"});
  EXPECT_EQ(entries(dir_ + "/new/out"),
            (std::vector<std::string>{"commands", "manifest.json", "profiles"}));
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
  EXPECT_NE(stats.error().format().find(dir_ + "/out/a"), std::string::npos)
      << stats.error().format();
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
  std::filesystem::last_write_time(
      dir_ + "/profiles/a.mobileconfig",
      std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  auto old_time = std::filesystem::last_write_time(dir_ + "/profiles/a.mobileconfig");
  auto stats = write_layout(dir_, sample());
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->written, 0u);
  EXPECT_EQ(stats->unchanged, 3u);
  EXPECT_EQ(std::filesystem::last_write_time(dir_ + "/profiles/a.mobileconfig"), old_time);
}

TEST_F(LayoutTest, AnUnchangedRebuildLeavesTheDirectoryItselfAlone) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample()).ok());
  struct stat before, after;
  ASSERT_EQ(::stat(out.c_str(), &before), 0);
  auto stats = write_layout(out, sample());
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  ASSERT_EQ(::stat(out.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // not exchanged
  EXPECT_EQ(entries(dir_), std::vector<std::string>{"out"});
  // A changed file makes it a new directory, with the unchanged files still the same inodes.
  ASSERT_EQ(::stat((out + "/commands/raw/a.install.plist").c_str(), &before), 0);
  std::vector<Artifact> changed = sample();
  changed[0].bytes = "profile-new";
  Manifest m;
  m.generator = "cmdm test";
  changed.pop_back();
  list_files(m, changed);
  changed.push_back({"manifest.json", write_manifest(m)});
  ASSERT_TRUE(write_layout(out, changed).ok());
  ASSERT_EQ(::stat((out + "/commands/raw/a.install.plist").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(*read_file(out + "/profiles/a.mobileconfig"), "profile-new");
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

TEST(FileName, HiddenOrEmptyIdentifiersGetVisibleStableNames) {
  EXPECT_EQ(file_name_for(".GlobalPreferences"),
            "_.GlobalPreferences~" + plist::sha256_hex(".GlobalPreferences").substr(0, 8));
  EXPECT_EQ(file_name_for(""), "_~" + plist::sha256_hex("").substr(0, 8));
  EXPECT_EQ(file_name_for("."), "_.~" + plist::sha256_hex(".").substr(0, 8));
  EXPECT_EQ(profile_path(".x").rfind("profiles/_.x~", 0), 0u);
}

TEST(CaseCollisions, RefusesPathsThatDifferOnlyInCaseNamingBothIdentifiers) {
  const Target& t = **find_target("raw");
  std::vector<Artifact> a = {{profile_path("com.Example.wifi"), "1"},
                             {command_path(t, "com.Example.wifi", true), "2"},
                             {profile_path("com.example.WIFI"), "3"}};
  Status s = check_case_collisions(a);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().diagnostics[0].message,
            "identifiers 'com.Example.wifi' and 'com.example.WIFI' differ only in case: "
            "profiles/com.Example.wifi.mobileconfig and profiles/com.example.WIFI.mobileconfig "
            "would be one file on a case-insensitive volume (macOS); rename one of them");
  EXPECT_EQ(s.error().code, ExitCode::kDataError);
  a.pop_back();
  EXPECT_TRUE(check_case_collisions(a).ok());
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST_F(LayoutTest, NeverWritesThroughALinkPlantedInTheOutputDirectory) {
  ASSERT_EQ(::mkdir((dir_ + "/out").c_str(), 0777), 0);
  ASSERT_EQ(::mkdir((dir_ + "/outside").c_str(), 0777), 0);
  ASSERT_EQ(::symlink("../outside", (dir_ + "/out/profiles").c_str()), 0);
  ASSERT_EQ(::mkdir((dir_ + "/out/commands").c_str(), 0777), 0);
  ASSERT_EQ(::symlink("../../outside", (dir_ + "/out/commands/raw").c_str()), 0);
  auto stats = write_layout(dir_ + "/out", sample());
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_TRUE(entries(dir_ + "/outside").empty());
  struct stat st;
  ASSERT_EQ(::lstat((dir_ + "/out/profiles").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(*read_file(dir_ + "/out/commands/raw/a.install.plist"), "cmd-x");
}

// A manifest naming `extra` too, as a planted or stale one would.
std::string manifest_also_listing(const std::vector<Artifact>& artifacts,
                                  const std::vector<Manifest::File>& extra) {
  Manifest m;
  m.generator = "cmdm test";
  list_files(m, artifacts);
  for (const Manifest::File& f : extra) m.files.push_back(f);
  return write_manifest(m);
}

TEST_F(LayoutTest, RemovesOnlyRegularFilesThatMatchThePreviousManifest) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample()).ok());
  ASSERT_EQ(::mkdir((dir_ + "/victim").c_str(), 0777), 0);
  write_text(dir_ + "/victim/x.mobileconfig", "secret");
  ASSERT_EQ(::symlink("../victim", (out + "/v").c_str()), 0);
  write_text(out + "/edited.txt", "changed by hand");
  write_text(out + "/stale.txt", "stale");
  write_text(out + "/manifest.json",
             manifest_also_listing(sample(), {{"v/x.mobileconfig", 6, plist::sha256_hex("secret")},
                                              {"edited.txt", 5, plist::sha256_hex("as built")},
                                              {"stale.txt", 5, plist::sha256_hex("stale")}}));
  auto stats = write_layout(out, sample());
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(stats->removed, 1u);
  EXPECT_EQ(*read_file(dir_ + "/victim/x.mobileconfig"), "secret");
  EXPECT_EQ(*read_file(out + "/edited.txt"), "changed by hand");
  EXPECT_FALSE(std::filesystem::exists(out + "/stale.txt"));
  EXPECT_TRUE(std::filesystem::is_symlink(out + "/v"));
}

TEST_F(LayoutTest, KeepsWhatItDoesNotOwnAndTheDirectoryMode) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample("x")).ok());
  ASSERT_EQ(::mkdir((out + "/notes").c_str(), 0700), 0);
  write_text(out + "/notes/todo.txt", "mine");
  ASSERT_EQ(::symlink("/nonexistent", (out + "/link").c_str()), 0);
  ASSERT_EQ(::chmod(out.c_str(), 0750), 0);
  auto stats = write_layout(out, sample("y"));
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(*read_file(out + "/notes/todo.txt"), "mine");
  EXPECT_EQ(std::filesystem::read_symlink(out + "/link"), "/nonexistent");
  struct stat st;
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  ASSERT_EQ(::stat((out + "/notes").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"out"}));
}

TEST_F(LayoutTest, RemovesLeftoversOfKilledRunsButNotOfRunningOnes) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample("x")).ok());
  for (const std::string& d :
       {dir_ + "/.out.cmdm-staging-99999-0", dir_ + "/.out.cmdm-staging-99999-1",
        out + "/.cmdm-staging-99999-2", dir_ + "/.out.tmp.99999.3"}) {
    ASSERT_EQ(::mkdir(d.c_str(), 0777), 0) << d;
    write_text(d + "/big", std::string(1000, 'x'));
  }
  write_text(out + "/profiles/a.mobileconfig.tmp.4242.7", "half");
  // A staging directory a live writer holds locked stays.
  int held = ::open((dir_ + "/.out.cmdm-staging-99999-1").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX | LOCK_NB), 0);
  auto stats = write_layout(out, sample("y"));
  ::close(held);
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{".out.cmdm-staging-99999-1", "out"}));
  EXPECT_EQ(entries(out), (std::vector<std::string>{"commands", "manifest.json", "profiles"}));
  EXPECT_EQ(entries(out + "/profiles"), std::vector<std::string>{"a.mobileconfig"});
}

TEST_F(LayoutTest, StreamedFileEqualToTheOldOneKeepsItsMtime) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample("x")).ok());
  const std::string file = out + "/profiles/a.mobileconfig";
  std::filesystem::last_write_time(
      file, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
  auto old_time = std::filesystem::last_write_time(file);
  auto writer = LayoutWriter::open(out);
  ASSERT_TRUE(writer.ok()) << writer.error().format();
  for (const Artifact& a : sample("x")) {
    ASSERT_TRUE((*writer)->begin_file(a.path).ok());
    for (std::size_t i = 0; i < a.bytes.size(); i += 3) {
      ASSERT_TRUE((*writer)->append(std::string_view(a.bytes).substr(i, 3)).ok());
    }
    ASSERT_TRUE((*writer)->end_file().ok());
  }
  auto stats = (*writer)->commit();
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(stats->unchanged, 3u);
  EXPECT_EQ(std::filesystem::last_write_time(file), old_time);
}

TEST_F(LayoutTest, AWriterThatIsNotCommittedLeavesTheOutputAsItWas) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample("x")).ok());
  {
    auto writer = LayoutWriter::open(out);
    ASSERT_TRUE(writer.ok());
    for (const Artifact& a : sample("y")) ASSERT_TRUE((*writer)->add(a.path, a.bytes).ok());
  }
  EXPECT_EQ(*read_file(out + "/profiles/a.mobileconfig"), "profile-x");
  EXPECT_EQ(entries(dir_), (std::vector<std::string>{"out"}));
}

TEST_F(LayoutTest, WritesIntoTheCurrentDirectoryFileByFile) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample("x")).ok());
  ASSERT_EQ(::symlink(".", (out + "/self").c_str()), 0);
  std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(out);
  auto stats = write_layout(".", sample("y"));
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  EXPECT_EQ(stats->written, 3u);
  EXPECT_EQ(*read_file(out + "/profiles/a.mobileconfig"), "profile-y");
  EXPECT_EQ(entries(out),
            (std::vector<std::string>{"commands", "manifest.json", "profiles", "self"}));
}

TEST_F(LayoutTest, NeverSwapsTheCurrentDirectoryHoweverItIsNamed) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(write_layout(out, sample("x")).ok());
  struct stat before, after;
  ASSERT_EQ(::stat(out.c_str(), &before), 0);
  std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(out);
  auto stats = write_layout("../out", sample("y"));
  auto bundle = write_file_in("../out", "bundle.cmdm", "b");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(stats.ok()) << stats.error().format();
  ASSERT_TRUE(bundle.ok()) << bundle.error().format();
  ASSERT_EQ(::stat(out.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(*read_file(out + "/profiles/a.mobileconfig"), "profile-y");
}

TEST_F(LayoutTest, FileByFileRefusesALinkWhereItNeedsADirectory) {
  const std::string out = dir_ + "/out";
  ASSERT_EQ(::mkdir(out.c_str(), 0777), 0);
  ASSERT_EQ(::mkdir((dir_ + "/outside").c_str(), 0777), 0);
  ASSERT_EQ(::symlink("../outside", (out + "/profiles").c_str()), 0);
  std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(out);
  auto stats = write_layout(".", sample());
  std::filesystem::current_path(cwd);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().diagnostics[0].message,
            "is a symbolic link or not a directory; cmdm does not write through links inside the "
            "output directory");
  EXPECT_TRUE(entries(dir_ + "/outside").empty());
  EXPECT_FALSE(std::filesystem::exists(out + "/manifest.json"));
}

TEST_F(LayoutTest, WriteFileInNeverFollowsALink) {
  ASSERT_TRUE(write_layout(dir_ + "/out", sample()).ok());
  write_text(dir_ + "/target", "keep");
  ASSERT_EQ(::symlink("../target", (dir_ + "/out/bundle.cmdm").c_str()), 0);
  auto written = write_file_in(dir_ + "/out", "bundle.cmdm", "bundle");
  ASSERT_TRUE(written.ok()) << written.error().format();
  EXPECT_TRUE(*written);
  EXPECT_EQ(*read_file(dir_ + "/target"), "keep");
  EXPECT_FALSE(std::filesystem::is_symlink(dir_ + "/out/bundle.cmdm"));
  EXPECT_FALSE(*write_file_in(dir_ + "/out", "bundle.cmdm", "bundle"));
}

}  // namespace
}  // namespace cmdm::emitters
