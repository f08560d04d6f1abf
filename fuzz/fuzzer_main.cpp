// The libFuzzer entry point of one fuzz target (fuzz/targets.h), chosen at compile time:
// fuzz/CMakeLists.txt builds this file once per target with RNNOPT_FUZZ_TARGET set to its function.
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rnnopt::fuzz::RNNOPT_FUZZ_TARGET({data, size});
  return 0;
}
