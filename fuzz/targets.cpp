// The fuzz targets' table and the failure report (fuzz/targets.h).
#include "fuzz/targets.h"

#include <cstdlib>
#include <iostream>

namespace rnnopt::fuzz {

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"model-file", model_file, "tests/data/model_corpus", 65536},
      {"manifest", manifest, "fuzz/seeds/manifest", 16384},
      {"restore-state", [](Input data) { (void)restore_state(data); }, "fuzz/seeds/restore-state", 16384},
      {"bench-spec", bench_spec, "fuzz/seeds/bench-spec", 512},
  };
  return all;
}

void broken(std::string_view target, const std::string& what) {
  std::cerr << "fuzz target " << target << ": " << what << std::endl;
  std::abort();
}

}  // namespace rnnopt::fuzz
