#include "plist/file_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace cmdm {
namespace {

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cmdm-file-io-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

// Reads everything a FIFO receives, on a thread, as another process would.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path)
      : thread_([this, path] {
          std::ifstream in(path, std::ios::binary);
          got_.assign(std::istreambuf_iterator<char>(in), {});
        }) {}
  std::string join() {
    thread_.join();
    return got_;
  }

 private:
  std::string got_;
  std::thread thread_;
};

TEST_F(FileIoTest, WritesThroughAFifoInsteadOfReplacingIt) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  FifoReader reader(fifo);
  Status s = write_file_atomic(fifo, "profile bytes");
  EXPECT_TRUE(s.ok()) << s.error().format();
  EXPECT_EQ(reader.join(), "profile bytes");
  struct stat st;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

TEST_F(FileIoTest, WritesThroughASymlinkToAFifoAndKeepsTheLink) {
  const std::string fifo = dir_ + "/fifo", link = dir_ + "/link";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(::symlink("fifo", link.c_str()), 0);
  FifoReader reader(fifo);
  Status s = write_file_atomic(link, "junit");
  EXPECT_TRUE(s.ok()) << s.error().format();
  EXPECT_EQ(reader.join(), "junit");
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
}

TEST_F(FileIoTest, ReplacesTheFileALinkNamesAndKeepsTheLink) {
  const std::string file = dir_ + "/file", link = dir_ + "/link";
  std::ofstream(file) << "old";
  ASSERT_EQ(::symlink("file", link.c_str()), 0);
  ASSERT_TRUE(write_file_atomic(link, "new").ok());
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(*read_file(file), "new");
}

TEST_F(FileIoTest, RefusesADirectoryWithAnIoError) {
  Status s = write_file_atomic(dir_, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ExitCode::kIoError);
  EXPECT_EQ(
      s.error().diagnostics[0].message,
      "cannot write: the path names a directory, not a regular file, character device or FIFO");
}

TEST_F(FileIoTest, ReadsNoMoreThanOneBytePastTheLimitFromAnEndlessFifo) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<std::size_t> sent{0};
  // Offers far more than the limit, and stops as soon as the reader goes away.
  std::thread writer([&] {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
    int fd = ::open(fifo.c_str(), O_WRONLY);
    std::string chunk(4096, 'x');
    while (sent < 64u * 1024 * 1024 && ::write(fd, chunk.data(), chunk.size()) > 0)
      sent += chunk.size();
    ::close(fd);
  });
  Result<std::string> r = read_file(fifo, 1024 * 1024);
  writer.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kDataError);
  EXPECT_EQ(r.error().diagnostics[0].message, "input is over the limit of 1048576 bytes");
  // The writer got ahead by at most what a pipe buffers.
  EXPECT_LT(sent.load(), 1024u * 1024 + 1024 * 1024);
}

TEST_F(FileIoTest, RefusesALargeRegularFileWithoutReadingIt) {
  const std::string file = dir_ + "/big";
  { std::ofstream out(file); }
  std::filesystem::resize_file(file, kMaxInputFileBytes + 1);  // sparse
  Result<std::string> r = read_file(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().diagnostics[0].file, file);
  EXPECT_EQ(r.error().diagnostics[0].message,
            "input is 67108865 bytes, over the limit of 67108864 bytes");
  std::filesystem::resize_file(file, kMaxInputFileBytes);
  EXPECT_TRUE(read_file(file).ok());
}

// Runs `body` in a child process (the interrupt flag cannot be reset) and returns its exit code.
template <typename Body>
int in_child(Body body) {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(Interrupt, IsDeferredOnlyWhileAWriterIsInProgress) {
  EXPECT_EQ(in_child([] {
              if (defer_interrupt(SIGTERM)) return 1;  // no writer: end at once
              WriteInProgress writing;
              if (!defer_interrupt(SIGINT)) return 2;
              return interrupt_signal() == SIGINT ? 0 : 3;
            }),
            0);
}

TEST_F(FileIoTest, AnInterruptedAtomicWriteLeavesTheFileAsItWas) {
  const std::string file = dir_ + "/out";
  std::ofstream(file) << "old";
  EXPECT_EQ(in_child([&] {
              defer_interrupt(SIGTERM);
              Status s = write_file_atomic(file, "new");
              if (s.ok()) return 1;
              return s.error().diagnostics[0].message ==
                             "interrupted by SIGTERM; the output was left as it was"
                         ? 0
                         : 2;
            }),
            0);
  EXPECT_EQ(*read_file(file), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);
}

}  // namespace
}  // namespace cmdm
