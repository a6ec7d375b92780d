// Output naming for commands with several inputs.
#include "cli/output_paths.h"

#include <sys/stat.h>

#include <set>

namespace cmdm::cli {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string output_path(const std::string& out, const std::string& input, bool many) {
  if (!many && !is_directory(out)) return out;
  const std::size_t slash = input.find_last_of('/');
  return out + "/" + (slash == std::string::npos ? input : input.substr(slash + 1));
}

std::optional<std::string> shared_output(const std::string& out,
                                         const std::vector<std::string>& inputs) {
  std::set<std::string> seen;
  for (const std::string& input : inputs) {
    std::string path = output_path(out, input, inputs.size() > 1);
    if (!seen.insert(path).second) return path;
  }
  return std::nullopt;
}

}  // namespace cmdm::cli
