// The line is redrawn in place with "\r\033[K"; paths pass through printable_text.
#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "plist/diagnostic.h"

namespace cmdm::cli {

Progress::Progress(const char* command, bool enabled)
    : command_(command), on_(enabled && ::isatty(2)), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { clear(); }

std::function<void(std::size_t, std::size_t, std::size_t, const std::string&)>
Progress::callback() {
  if (!on_) return nullptr;
  return [this](std::size_t done, std::size_t count, std::size_t parts, const std::string& path) {
    parts_ = parts;
    update(done, count, path);
  };
}

void Progress::update(std::size_t done, std::size_t count, const std::string& path) {
  if (!on_) return;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.1fs", seconds);
  std::cerr << "\r\033[K" << command_ << " [" << done << '/' << count << "] ";
  if (parts_) std::cerr << parts_ << (parts_ == 1 ? " part " : " parts ");
  std::cerr << elapsed << ' ' << printable_text(path) << std::flush;
  shown_ = true;
}

void Progress::clear() {
  if (shown_) std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace cmdm::cli
