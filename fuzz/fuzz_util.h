// Helpers shared by the fuzz targets: the input as text, and a check that stops the run with a
// message libFuzzer records next to the crashing input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace cmdm::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// An invariant of the code under test (a round trip, a documented guarantee) that failed.
// abort() makes libFuzzer save the input as a crash.
inline void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

// The same, with what the failing call said (a diagnostic's text).
inline void require(bool condition, const char* what, const std::string& detail) {
  if (!condition) std::fprintf(stderr, "%s\n", detail.c_str());
  require(condition, what);
}

}  // namespace cmdm::fuzz
