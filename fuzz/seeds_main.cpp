// rnnopt-fuzz-seeds: writes the generated seed inputs of the fuzz targets (fuzz/targets.h) into a
// folder, one subfolder per target. Today: restore-state, states saved from real runs of every
// optimizer. Rerun it when a saved state's format changes, and commit the result:
//   build/fuzz/rnnopt-fuzz-seeds fuzz/seeds
#include <filesystem>
#include <iostream>

#include "core/durable_file.h"
#include "fuzz/targets.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]).starts_with("-")) {
    std::cerr << "usage: rnnopt-fuzz-seeds FOLDER   (writes FOLDER/restore-state/*.state)\n";
    return 2;
  }
  try {
    const std::filesystem::path dir = std::filesystem::path(argv[1]) / "restore-state";
    std::filesystem::create_directories(dir);
    int n = 0;
    for (const auto& [name, bytes] : rnnopt::fuzz::restore_state_seeds()) {
      rnnopt::write_file_durably(dir / name, bytes);
      ++n;
    }
    std::cout << "rnnopt-fuzz-seeds: wrote " << n << " files to " << dir.string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "rnnopt-fuzz-seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
