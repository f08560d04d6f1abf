// rnnopt/fuzz/targets.h: the fuzz targets, one function per kind of untrusted input. Each runs one
// input against the contract its file states and returns; a broken contract prints what broke on
// stderr and calls std::abort(), which libFuzzer and ctest both report. The functions are shared
// by the libFuzzer executables (fuzz/fuzzer_main.cpp, clang, RNNOPT_BUILD_FUZZ) and by the test
// suite, which replays every committed corpus through them in every build (tests/fuzz/).
//
//   rnnopt::fuzz::restore_state(bytes);          // one input
//   for (const auto& t : rnnopt::fuzz::targets()) { ... t.run(bytes) ... }
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rnnopt::fuzz {

using Input = std::span<const std::uint8_t>;

// Any bytes as a model file: parse or ModelError; accepted files round-trip through the writer
// and load into the engine or throw ModelError.
void model_file(Input data);
// Any text as a manifest: parse or ModelError; accepted manifests of small networks drive an
// RnnOptimizer whose proposals stay inside the box.
void manifest(Input data);
// Two selector bytes (optimizer kind, dimension), then any text given to restore_state(): it
// throws std::invalid_argument and leaves the optimizer unchanged, or it succeeds and the
// restored optimizer saves a state that restores into a fresh one, and both continue identically.
// Returns whether the state was accepted.
bool restore_state(Input data);
// Any text as rnnopt-bench's --functions / --optimizers / --seeds / --horizons values and as
// single specs: std::invalid_argument or an entry that works (an optimizer built from it
// proposes inside the box).
void bench_spec(Input data);

struct Target {
  std::string_view name;  // "model-file", "manifest", "restore-state", "bench-spec"
  void (*run)(Input);
  std::string_view seeds;  // the committed corpus, relative to the source tree
  std::size_t max_len;     // libFuzzer's -max_len for this target
};
const std::vector<Target>& targets();

// Seed inputs for restore-state written from real runs: every optimizer kind, after a few asks,
// observations and a failed trial. Returns (file name, bytes) pairs.
std::vector<std::pair<std::string, std::string>> restore_state_seeds();

// Prints "fuzz target NAME: WHAT" and aborts.
[[noreturn]] void broken(std::string_view target, const std::string& what);

}  // namespace rnnopt::fuzz
