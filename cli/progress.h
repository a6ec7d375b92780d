// A single updating progress line on a terminal for long commands (build, check, split): files
// done, parts so far where the command knows them, elapsed time, the file. Nothing when stderr is
// not a terminal (CI logs, pipes).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace cmdm::cli {

class Progress {
 public:
  // `enabled` lets a command switch it off (e.g. with --json); it is also off when stderr is not a
  // terminal.
  Progress(const char* command, bool enabled);
  ~Progress();
  // For pipeline::BuildOptions::progress: (done, count, parts, path). Null when the line is off.
  std::function<void(std::size_t, std::size_t, std::size_t, const std::string&)> callback();
  void update(std::size_t done, std::size_t count, const std::string& path);
  // Adds to the count of parts shown from the next update (commands that know it: check).
  void add_parts(std::size_t parts) { parts_ += parts; }
  // Erases the line (before the command prints its results).
  void clear();

 private:
  const char* command_;
  bool on_;
  bool shown_ = false;
  std::size_t parts_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cmdm::cli
