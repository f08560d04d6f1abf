// rnnopt/bench/quality/summary.h: the statistics of a finished benchmark, and summary.json.
//
// For every optimizer x function x horizon: the number of runs and the mean and median
// best-so-far regret at that horizon with 95% intervals (statistics.h). For every optimizer x
// function: the optimizer's own time for 100 iterations (propose + observe, function evaluations
// excluded), the paper's Table 1 measure. For the plots: the regret curve over t with its band.
// For every learned optimizer x baseline x function x horizon: the paired difference on the runs
// both have. For every function, family and all functions x horizon: each optimizer's mean rank.
//
//   rnnopt::bench::Summary s = rnnopt::bench::summarize(bench, result.runs);
//   rnnopt::write_file_durably(dir / "summary.json", summary_json(bench, s,
//   result).dump(2));
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/quality/benchmark.h"
#include "bench/quality/statistics.h"

namespace rnnopt::bench {

struct RegretSummary {
  std::string optimizer;
  std::string function;
  int horizon = 0;
  MeanInterval mean;
  MedianInterval median;
};

struct TimingSummary {
  std::string optimizer;
  std::string function;
  int iterations_timed = 0;           // min(100, largest horizon); scaled to 100 when fewer
  MeanInterval seconds_per_100;       // the run thread's CPU seconds (robust to machine load)
  MeanInterval wall_seconds_per_100;  // wall-clock seconds
};

// The plotted statistic (mean or median, BenchConfig::plot_stat) of best-so-far regret against t.
struct RegretCurve {
  std::string optimizer;
  std::string function;
  int n = 0;
  std::vector<double> center, lower, upper;  // index t - 1
};

// A learned optimizer (label "rnn...") against a baseline on the runs both have (same function,
// instance and seed): regret of a minus regret of b at one horizon, mean with its t-interval, and
// how often each was lower. Paired, because the GP optimizers may run on fewer instances
// (--gp-optimizer-instances) than the others: this compares like with like.
struct PairedSummary {
  std::string a;  // the learned optimizer
  std::string b;  // the baseline
  std::string function;
  int horizon = 0;
  MeanInterval difference;  // regret_a - regret_b; below 0: a is better
  double mean_a = 0.0, mean_b = 0.0;
  int a_better = 0, b_better = 0, ties = 0;
};

// Mean ranks at one horizon over a group of problems, like bayesmark's or COCO's. A problem is one
// function instance with one run seed; on it the optimizers that ran on that function are ranked
// by regret (1: lowest; ties share the mean of their ranks; regret below 1e-9 counts as 0, solved,
// since f* is itself found numerically). A function's problems are those every
// such optimizer ran (the GP optimizers may run on fewer instances). A family ("gp", "classic")
// and "all" pool the problems of their functions; an optimizer that did not run on every one of
// those functions has no mean rank there (its ranks would be among different competitors).
struct RankSummary {
  std::string group;  // a function label, "family gp", "family classic" or "all"
  std::string kind;   // "function", "family" or "all"
  int horizon = 0;
  int problems = 0;
  int competitors = 0;  // the most optimizers ranked on one problem
  // Bench order; entries of optimizers without a rank here are left out.
  std::vector<std::string> optimizers;
  std::vector<double> mean_rank;
  std::vector<double> mean_regret;  // over the same problems (like with like)
};

struct Summary {
  std::vector<RegretSummary> regret;  // optimizer-major, then function, then horizon
  std::vector<TimingSummary> timing;
  std::vector<RegretCurve> curves;
  std::vector<PairedSummary> paired;  // learned x baseline x function x horizon, >= 2 shared runs
  std::vector<RankSummary> ranks;     // functions, then families, then all; each at every horizon
};

// Statistics over the runs of each optimizer x function pair (pairs without runs are left out).
// Requires every run to reach the largest horizon of bench.config.
Summary summarize(const Bench& bench, const std::vector<RunRecord>& runs);

// summary.json: the configuration, the notes, the skipped pairs, the failures and the statistics
// (null where an interval is undefined, e.g. a single run).
nlohmann::json summary_json(const Bench& bench, const Summary& summary, const BenchResult& result);

// The RegretSummary of (optimizer, function, horizon), or nullptr.
const RegretSummary* find_regret(const Summary& s, const std::string& optimizer,
                                 const std::string& function, int horizon);
const RankSummary* find_ranks(const Summary& s, const std::string& group, int horizon);
const TimingSummary* find_timing(const Summary& s, const std::string& optimizer,
                                 const std::string& function);

}  // namespace rnnopt::bench
