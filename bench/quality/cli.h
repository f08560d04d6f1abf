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

#include <ostream>

#include "bench/quality/benchmark.h"
#include "bench/quality/presets.h"     // shipped_models, apply_preset
#include "bench/quality/spec_parse.h"  // split_list, parse_seed_list, parse_int_list

namespace rnnopt::bench {

// Exit codes of bench_main (the tools' contract, core/tool.h).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRunsFailed = 1;  // the benchmark ran but some runs failed
// bad flag, name, model file, or an --out folder written with another --workers: nothing written
inline constexpr int kExitUsage = 2;
inline constexpr int kExitIo = 1;  // an output file could not be written

int bench_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace rnnopt::bench
