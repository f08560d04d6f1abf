// rnnopt/bench/quality/cli.h: the rnnopt-bench command line (CLI11), as a testable function.
//
//   rnnopt-bench --optimizers rnn:models/lstm-oi.safetensors,spearmint,random
//                --functions gp:d=4,branin --instances 30 --horizons 25,50,100,200
//                --seeds 1000-1049 --jobs 2 --out DIR        [--preset quick|paper]
//
// bench_main() parses, validates everything (names, model files) before it writes anything, runs
// the benchmark, writes DIR/summary.json, DIR/report.md and the PNG plots, and prints the summary
// table with the paths. A caller mistake gives one line on err and a non-zero return.
//
//   const char* argv[] = {"rnnopt-bench", "--preset", "quick", "--out", "out/bench"};
//   return rnnopt::bench::bench_main(5, argv, std::cout, std::cerr);
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/quality/benchmark.h"

namespace rnnopt::bench {

// Exit codes of bench_main (the tools' contract, core/tool.h).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRunsFailed = 1;  // the benchmark ran but some runs failed
inline constexpr int kExitUsage = 2;       // bad flag, name, model file: nothing was written
inline constexpr int kExitIo = 1;          // an output file could not be written

int bench_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

// "1000-1049,7" -> 1000, ..., 1049, 7. Throws std::invalid_argument naming the bad item.
std::vector<std::uint64_t> parse_seed_list(std::string_view text);
// "25,50,100" -> {25, 50, 100}. Throws std::invalid_argument naming the bad item.
std::vector<int> parse_int_list(std::string_view text, std::string_view what);
// Splits on commas, dropping surrounding spaces; an empty item throws std::invalid_argument.
std::vector<std::string> split_list(std::string_view text, std::string_view what);

// The shipped models: models/*.safetensors under the current folder, else under the source
// tree; sorted by name.
std::vector<std::filesystem::path> shipped_models();

// Fills cfg with a preset ("quick" or "paper"). Throws std::invalid_argument for another name.
void apply_preset(std::string_view name, BenchConfig& cfg);

}  // namespace rnnopt::bench
