// rnnopt/bench/quality/statistics.h: the statistics of the quality benchmark.
//
// Means with Student-t 95% intervals and medians with distribution-free intervals (both from
// core/intervals.h), ranks with ties averaged, and the best-so-far regret of a run read at the
// reporting horizons.
//
//   std::vector<double> r = {0.3, 0.1, 0.2};
//   auto m = rnnopt::bench::mean_interval(r);      // m.mean = 0.2, m.lower/m.upper: t-interval
//   auto md = rnnopt::bench::median_interval(r);   // md.median = 0.2, order-statistic interval
//   auto at = rnnopt::bench::regret_at_horizons(best_regret_curve, {25, 50, 100});
#pragma once

#include <vector>

#include "core/intervals.h"

namespace rnnopt::bench {

// Means and medians with intervals: core/intervals.h, used here under their bench names.
using rnnopt::mean_interval;
using rnnopt::MeanInterval;
using rnnopt::median_interval;
using rnnopt::MedianInterval;

// The value of a best-so-far curve (entry t-1 is the value after t evaluations) at each horizon.
// Requires every horizon in [1, curve.size()]; throws std::invalid_argument otherwise.
std::vector<double> regret_at_horizons(const std::vector<double>& best_so_far,
                                       const std::vector<int>& horizons);

// Ranks 1..n of values (1: the lowest), ties given the mean of the ranks they span: {0.2, 0.1,
// 0.2} -> {2.5, 1, 2.5}. Requires finite values; throws std::invalid_argument otherwise.
std::vector<double> average_ranks(const std::vector<double>& values);

// The running minimum of ys minus f_star: best-so-far regret after each evaluation.
std::vector<double> best_so_far_regret(const std::vector<double>& ys, double f_star);

}  // namespace rnnopt::bench
