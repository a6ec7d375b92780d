#include "frontend/self_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cmdm::frontend {
namespace {

// A temporary directory holding the given executable files (paths relative to it).
class Tree {
 public:
  Tree() {
    char pattern[] = "/tmp/cmdm-self-path-XXXXXX";
    root_ = ::mkdtemp(pattern);
  }
  ~Tree() { std::filesystem::remove_all(root_); }
  std::string add(const std::string& relative, mode_t mode = 0755) {
    const std::string path = root_ + "/" + relative;
    std::filesystem::create_directories(path.substr(0, path.rfind('/')));
    std::ofstream(path) << "#!/bin/sh\n";
    ::chmod(path.c_str(), mode);
    return path;
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST(SelfPath, NamesThisRunningExecutableByItsRealPath) {
  Result<std::string> self = executable_path();
  ASSERT_TRUE(self) << self.error().format();
  EXPECT_EQ(self->front(), '/');
  EXPECT_EQ(self->substr(self->rfind('/') + 1), "frontend_test");
  EXPECT_EQ(::access(self->c_str(), X_OK), 0);
}

TEST(SelfPath, FindsCmdmInTheInstalledLayout) {
  Tree tree;
  const std::string front = tree.add("usr/libexec/cmdm/profiles");
  const std::string cmdm = tree.add("usr/bin/cmdm");
  Result<std::string> found = cmdm_beside(front, "../../bin/cmdm");
  ASSERT_TRUE(found) << found.error().format();
  EXPECT_EQ(*found, tree.root() + "/usr/libexec/cmdm/../../bin/cmdm");
}

TEST(SelfPath, FindsCmdmInTheBuildTreeWhenNotInstalled) {
  Tree tree;
  const std::string front = tree.add("build/frontend/cmdm-profiles");
  tree.add("build/cli/cmdm");
  Result<std::string> found = cmdm_beside(front, "../../bin/cmdm");
  ASSERT_TRUE(found) << found.error().format();
  EXPECT_EQ(*found, tree.root() + "/build/frontend/../cli/cmdm");
}

TEST(SelfPath, RefusesACmdmThatCannotRunAndNamesWhereItLooked) {
  Tree tree;
  const std::string front = tree.add("usr/libexec/cmdm/profiles");
  tree.add("usr/bin/cmdm", 0644);
  Result<std::string> found = cmdm_beside(front, "../../bin/cmdm");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ExitCode::kUnavailable);
  const std::string message = found.error().format();
  EXPECT_NE(message.find("usr/libexec/cmdm/../../bin/cmdm"), std::string::npos) << message;
  EXPECT_NE(message.find("usr/libexec/cmdm/../cli/cmdm"), std::string::npos) << message;
}

}  // namespace
}  // namespace cmdm::frontend
