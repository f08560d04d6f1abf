// Replays every committed fuzz corpus through its target (fuzz/targets.h) on every run, so that an
// input the fuzzers once found stays fixed: a broken contract aborts the test, another exception
// fails it. A find is kept by copying it into its target's seed folder (fuzz/run_fuzz.sh says
// how); this test then replays it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> corpus(std::string_view seeds) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(RNNOPT_SOURCE_DIR) / seeds)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every fuzz target's committed corpus replays without a broken contract", "[fuzz]") {
  for (const auto& target : rnnopt::fuzz::targets()) {
    const auto files = corpus(target.seeds);
    INFO("target " << target.name << ", " << files.size() << " inputs in " << target.seeds);
    CHECK(files.size() >= 3);
    for (const auto& f : files) {
      INFO(f.string());
      const auto bytes = read_bytes(f);
      CHECK_NOTHROW(target.run(bytes));
    }
  }
}

TEST_CASE("the restore-state seeds are current: one per generated name, each accepted", "[fuzz]") {
  std::set<std::string> generated;
  for (const auto& [name, bytes] : rnnopt::fuzz::restore_state_seeds()) {
    generated.insert(name);
    INFO(name);
    // A state saved by a real run is always accepted (else the target tests only rejections).
    CHECK(rnnopt::fuzz::restore_state(
        {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}));
  }
  std::set<std::string> committed;
  for (const auto& f : corpus("fuzz/seeds/restore-state")) {
    const std::string name = f.filename().string();
    if (name.starts_with("fuzz-")) continue;  // a find kept from fuzzing, not a generated seed
    committed.insert(name);
    INFO(name << " (regenerate with build/fuzz/rnnopt-fuzz-seeds fuzz/seeds)");
    const auto bytes = read_bytes(f);
    CHECK(rnnopt::fuzz::restore_state(bytes));
  }
  CHECK(committed == generated);
}

TEST_CASE("a restore-state input with a damaged state is rejected, and the target says so",
          "[fuzz]") {
  auto seeds = rnnopt::fuzz::restore_state_seeds();
  REQUIRE(!seeds.empty());
  for (auto& [name, bytes] : seeds) {
    INFO(name);
    std::string cut = bytes.substr(0, bytes.size() / 2);
    CHECK_FALSE(rnnopt::fuzz::restore_state(
        {reinterpret_cast<const std::uint8_t*>(cut.data()), cut.size()}));
  }
}
