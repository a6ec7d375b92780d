// The posix_spawn process runner: pipes for both outputs, poll() against a deadline, and SIGKILL
// to the tool's process group when it runs too long or writes too much.
#include "dispatcher/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cmdm::dispatcher {

std::string describe_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg.find_first_of(" \t'\"") == std::string::npos ? arg : "'" + arg + "'";
  }
  return out;
}

namespace {

// A pipe whose ends close on exec; the child gets the write end through dup2 (which clears the
// flag on the copy only).
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  bool open() {
    int fds[2];
    if (::pipe(fds) != 0) return false;
    read_end = fds[0];
    write_end = fds[1];
    ::fcntl(read_end, F_SETFD, FD_CLOEXEC);
    ::fcntl(write_end, F_SETFD, FD_CLOEXEC);
    ::fcntl(read_end, F_SETFL, O_NONBLOCK);
    return true;
  }
  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    close_write();
  }
};

Error spawn_error(const std::vector<std::string>& argv, const std::string& what) {
  return Error::make(ExitCode::kUnavailable, argv.empty() ? "" : argv[0],
                     "cannot run `" + describe_command(argv) + "`: " + what);
}

// Starts the tool with its outputs on the pipes; the pid, or an error with errno's text.
Result<pid_t> spawn(const ProcessRequest& request, Pipe& out, Pipe& err) {
  const std::vector<std::string>& argv = request.argv;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, 2);
  // Our own signal dispositions and mask (an ignored SIGPIPE, a blocked SIGTERM) must not
  // reach the tool; its own process group lets a timeout kill what it started too.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char path_var[] = "PATH=/usr/bin:/bin:/usr/sbin:/sbin";
  char locale_var[] = "LC_ALL=C";
  std::vector<char*> env = {path_var, locale_var};
  for (const std::string& e : request.environment) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return spawn_error(argv, std::strerror(rc));
  return pid;
}

enum class Drain { kDone, kTimedOut, kTooLarge, kFailed };

// Reads both pipes until both reach end of file, the deadline passes or an output passes its cap.
using Deadline = std::chrono::steady_clock::time_point;

Drain drain(Pipe& out, Pipe& err, ProcessOutput& result, const ProcessRequest& request,
            Deadline deadline) {
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Drain::kTimedOut;
    pollfd fds[2] = {{out_open ? out.read_end : -1, POLLIN, 0},
                     {err_open ? err.read_end : -1, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Drain::kFailed;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      std::string& sink = i == 0 ? result.out : result.err;
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
        continue;
      }
      sink.append(buf, static_cast<std::size_t>(n));
      if (sink.size() > request.max_output_bytes) return Drain::kTooLarge;
    }
  }
  return Drain::kDone;
}

// Waits for the child; its status, or -1 with errno.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// A tool may close its outputs and keep running: wait for it only until the deadline.
bool exits_before(pid_t pid, Deadline deadline, int* status) {
  for (;;) {
    const pid_t done = ::waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno != EINTR) {
      *status = -1;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::usleep(5'000);
  }
}

class PosixProcessRunner final : public ProcessRunner {
 public:
  Result<ProcessOutput> run(const ProcessRequest& request) override {
    if (request.argv.empty() || request.argv[0].empty() || request.argv[0][0] != '/') {
      return spawn_error(request.argv, "the tool's path must be absolute");
    }
    Pipe out, err;
    if (!out.open() || !err.open()) return spawn_error(request.argv, std::strerror(errno));
    Result<pid_t> pid = spawn(request, out, err);
    if (!pid) return pid.error();
    out.close_write();
    err.close_write();
    ProcessOutput result;
    const Deadline deadline = std::chrono::steady_clock::now() + request.timeout;
    Drain drained = drain(out, err, result, request, deadline);
    int status = 0;
    if (drained == Drain::kDone && !exits_before(*pid, deadline, &status)) {
      drained = Drain::kTimedOut;
    }
    if (drained != Drain::kDone) {
      ::kill(-*pid, SIGKILL);
      status = reap(*pid);
    }
    return finish(request, drained, status, std::move(result));
  }

 private:
  static Result<ProcessOutput> finish(const ProcessRequest& request, Drain drained, int status,
                                      ProcessOutput result) {
    const std::string& tool = request.argv[0];
    const std::string command = "`" + describe_command(request.argv) + "`";
    switch (drained) {
      case Drain::kTimedOut:
        return Error::make(ExitCode::kUnavailable, tool,
                           command + " did not finish within " +
                               std::to_string(request.timeout.count()) + " ms and was killed");
      case Drain::kTooLarge:
        return Error::make(ExitCode::kDataError, tool,
                           command + " wrote more than " +
                               std::to_string(request.max_output_bytes) + " bytes and was killed");
      case Drain::kFailed:
        return Error::make(ExitCode::kInternal, tool,
                           "cannot read the output of " + command + ": " + std::strerror(errno));
      case Drain::kDone:
        break;
    }
    if (status < 0) return spawn_error(request.argv, std::strerror(errno));
    if (WIFSIGNALED(status)) {
      return Error::make(ExitCode::kUnavailable, tool,
                         command + " was ended by signal " + std::to_string(WTERMSIG(status)));
    }
    result.exit_status = WEXITSTATUS(status);
    return result;
  }
};

}  // namespace

std::unique_ptr<ProcessRunner> make_posix_process_runner() {
  return std::make_unique<PosixProcessRunner>();
}

}  // namespace cmdm::dispatcher
