// A ProcessRunner that answers from a table instead of running anything, and records what it was
// asked to run.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dispatcher/process.h"

namespace cmdm::dispatcher::testing {

class FakeRunner final : public ProcessRunner {
 public:
  // The answer to the command line `describe_command(argv)`.
  void answer(const std::string& command, ProcessOutput output) { answers_[command] = output; }
  void fail(const std::string& command, Error error) { errors_.emplace(command, error); }

  Result<ProcessOutput> run(const ProcessRequest& request) override {
    const std::string command = describe_command(request.argv);
    calls.push_back(command);
    if (auto e = errors_.find(command); e != errors_.end()) return e->second;
    if (auto a = answers_.find(command); a != answers_.end()) return a->second;
    return ProcessOutput{.exit_status = 127, .err = "fake: no such command: " + command};
  }

  std::vector<std::string> calls;

 private:
  std::map<std::string, ProcessOutput> answers_;
  std::map<std::string, Error> errors_;
};

}  // namespace cmdm::dispatcher::testing
