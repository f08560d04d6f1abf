// rnnopt/bench/quality/presets.h: rnnopt-bench's presets (--preset quick|paper): the shipped
// models that fit the preset's dimensions, the baselines, the functions and the protocol, with the
// notes the report prints about them.
//
//   rnnopt::bench::BenchConfig cfg;
//   rnnopt::bench::apply_preset("quick", cfg);   // cfg.optimizers, functions, seeds, ... set
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "bench/quality/benchmark.h"

namespace rnnopt::bench {

// The shipped models: models/*.safetensors under the current folder, else under the source
// tree; sorted by name.
std::vector<std::filesystem::path> shipped_models();

// Fills cfg with a preset ("quick" or "paper"). Throws std::invalid_argument for another name.
void apply_preset(std::string_view name, BenchConfig& cfg);

}  // namespace rnnopt::bench
