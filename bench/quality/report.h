// rnnopt/bench/quality/report.h: report.md and the summary table printed at the end of a run.
//
// The report has the setup (optimizers, functions and their seeds, what spearmint-fixed is told,
// notes such as reduced Spearmint cost), tables of mean and median regret with 95% intervals at
// every horizon (optimizers side by side, like the paper's), the timing table like the paper's
// Table 1 (seconds for 100 iterations, function evaluations excluded) and the plots.
//
//   std::string md = rnnopt::bench::report_markdown(bench, summary, result, pngs);
//   rnnopt::bench::print_summary_table(std::cout, bench, summary);
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "bench/quality/summary.h"

namespace rnnopt::bench {

// "1.23e-03"-style text for a regret or a time: 3 significant digits.
std::string format_value(double v);

std::string report_markdown(const Bench& bench, const Summary& summary, const BenchResult& result,
                            const std::vector<std::filesystem::path>& pngs);

// One row per function x optimizer: mean (median) regret at each horizon and seconds per 100
// iterations.
void print_summary_table(std::ostream& out, const Bench& bench, const Summary& summary);

}  // namespace rnnopt::bench
