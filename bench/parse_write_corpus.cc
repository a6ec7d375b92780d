// Times cmdm parsing plus minimal XML writing of the given files, inside this process, for the
// side-by-side comparison with plistlib (bench/compare_python.sh). Files are read into memory
// first so the figure counts only parsing and writing. Prints "WALL_SECONDS CPU_SECONDS": on a
// shared machine the CPU time is the steadier of the two.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plist/reader.h"
#include "plist/writer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: parse_write_corpus ITERATIONS FILE...\n");
    return 2;
  }
  int iterations = std::atoi(argv[1]);
  std::vector<std::string> inputs;
  for (int i = 2; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    inputs.push_back(ss.str());
  }
  std::size_t out_bytes = 0;
  int failures = 0;
  std::clock_t cpu_start = std::clock();
  auto start = std::chrono::steady_clock::now();
  for (int it = 0; it < iterations; ++it) {
    for (const std::string& bytes : inputs) {
      cmdm::Result<cmdm::plist::Document> doc = cmdm::plist::read(bytes);
      if (!doc.ok()) {
        ++failures;
        continue;
      }
      out_bytes += cmdm::plist::write_minimal_xml(doc->root).size();
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (failures != 0) std::fprintf(stderr, "%d parse failures\n", failures);
  std::printf("%.6f %.6f\n", seconds, cpu);
  return out_bytes == 0 ? 1 : 0;
}
