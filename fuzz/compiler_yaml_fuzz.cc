// YAML sources (yaml-cpp into the template tree, directives, expansion, identity, validation) on
// arbitrary bytes: a profile or a diagnostic, never a crash, a hang or unbounded memory.
#include "fuzz/fuzz_context.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cmdm::fuzz::compile_and_validate(cmdm::fuzz::as_text(data, size), "fuzz.yaml");
  return 0;
}
