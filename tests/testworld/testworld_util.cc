#include "tests/testworld/testworld_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "signer/signer.h"
#include "testworld/fake_profiles.h"

extern char** environ;

namespace cmdm::testworld::testing {

ScratchDir::ScratchDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cmdm-testworld-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string sample_profile(const SampleProfile& p) {
  std::string locked = p.removal_disallowed ? "<key>PayloadRemovalDisallowed</key><true/>" : "";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
         "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
         "<plist version=\"1.0\"><dict>"
         "<key>PayloadContent</key><array><dict>"
         "<key>EnableFirewall</key><true/>"
         "<key>PayloadDisplayName</key><string>Firewall</string>"
         "<key>PayloadIdentifier</key><string>" +
         p.identifier +
         ".firewall</string>"
         "<key>PayloadType</key><string>com.apple.security.firewall</string>"
         "<key>PayloadUUID</key><string>6EE63BCC-3E7C-48B2-AD15-D078EBAF25D0</string>"
         "<key>PayloadVersion</key><integer>1</integer>"
         "</dict></array>"
         "<key>PayloadDescription</key><string>Enables the firewall</string>"
         "<key>PayloadDisplayName</key><string>" +
         p.display_name +
         "</string>"
         "<key>PayloadIdentifier</key><string>" +
         p.identifier +
         "</string>"
         "<key>PayloadOrganization</key><string>" +
         p.organization + "</string>" + locked +
         "<key>PayloadType</key><string>Configuration</string>"
         "<key>PayloadUUID</key><string>" +
         p.uuid +
         "</string>"
         "<key>PayloadVersion</key><integer>1</integer>"
         "</dict></plist>\n";
}

namespace {

// The program's path: as given when it has a slash, else the first match on PATH.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

}  // namespace

Ran run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
        const std::string& stdin_text) {
  // Output goes to files, not pipes, so a large output never blocks the child while we wait.
  ScratchDir io;
  std::string in_path = io.file("in"), out_path = io.file("out"), err_path = io.file("err");
  write_text(in_path, stdin_text);
  // Everything the child needs is built before fork: the test process runs server threads, and
  // after fork only async-signal-safe calls are safe (no malloc).
  std::string program = find_program(argv.at(0));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  // The extra entries first: getenv() returns the first entry of a name.
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(program.c_str(), args.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Ran ran;
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ran.out = read_text(out_path);
  ran.err = read_text(err_path);
  return ran;
}

std::string signed_profile(const ScratchDir& dir, const std::string& profile) {
  std::string key = dir.file("signer.key"), cert = dir.file("signer.pem");
  Ran made =
      run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=testworld signer", "-days", "2"});
  if (made.status != 0) return "";
  Result<signer::Identity> identity =
      signer::load_identity({.key = read_text(key), .cert = read_text(cert)});
  if (!identity) return "";
  Result<std::string> cms = signer::sign(profile, *identity);
  return cms ? *cms : "";
}

std::string fixtures_dir() {
  const char* shared = std::getenv("CMDM_SHARED");
  std::string dir =
      std::string(shared && *shared ? shared : CMDM_SHARED_DIR) + "/cm-tools-fixtures";
  return std::filesystem::is_directory(dir) ? dir : "";
}

std::string tool_path(const std::string& name) {
  return std::string(CMDM_TESTWORLD_BIN_DIR) + "/" + name;
}

Ran run_device_profiles(const std::string& device_dir, std::vector<std::string> args) {
  Result<std::string> link = make_device(device_dir, tool_path("cmdm-fake-profiles"));
  if (!link) return {.status = -1, .err = link.error().format()};
  args.insert(args.begin(), *link);
  return run(args);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace cmdm::testworld::testing
