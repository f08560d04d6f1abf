// rnnopt/bench/quality/plots.h: PNG plots of best-so-far regret against t, through gnuplot.
//
// One figure per function family, like the paper's figures 3 (GP functions, one panel per
// dimension) and 5 (classic functions, one panel per function): every optimizer's mean (or
// median) regret with its 95% band, log scale. The data and the gnuplot script are kept next to
// the PNG (DIR/plots/) so that a figure can be restyled without rerunning the benchmark.
//
//   std::vector<std::string> pngs = rnnopt::bench::write_plots(bench, summary, dir, std::cerr);
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "bench/quality/summary.h"
#include "core/gnuplot.h"

namespace rnnopt::bench {

// The gnuplot terminal to use (core/gnuplot.h): "pngcairo" when the installed gnuplot has it,
// else "png"; empty when gnuplot cannot be run.
using rnnopt::gnuplot_png_terminal;

// Writes DIR/plots/regret_<family>.{dat,gp} and renders DIR/regret_<family>.png for each family
// ("gp", "classic") present in the summary; returns the PNG paths. Every file is written to a
// temporary name and renamed. When gnuplot is missing or fails, says so on log and returns the
// PNGs it did make. Throws std::runtime_error if the data files cannot be written.
std::vector<std::filesystem::path> write_plots(const Bench& bench, const Summary& summary,
                                               const std::filesystem::path& dir, std::ostream& log);

}  // namespace rnnopt::bench
