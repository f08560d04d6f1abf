// rnnopt/bench/quality/statistics.h: the statistics of the quality benchmark.
//
// Means with Student-t 95% intervals, medians with distribution-free (order-statistic) intervals,
// ranks with ties averaged, and the best-so-far regret of a run read at the reporting horizons.
//
//   std::vector<double> r = {0.3, 0.1, 0.2};
//   auto m = rnnopt::bench::mean_interval(r);      // m.mean = 0.2, m.lower/m.upper: t-interval
//   auto md = rnnopt::bench::median_interval(r);   // md.median = 0.2, order-statistic interval
//   auto at = rnnopt::bench::regret_at_horizons(best_regret_curve, {25, 50, 100});
#pragma once

#include <vector>

namespace rnnopt::bench {

// Mean with a two-sided t-interval: mean +- t_{(1+level)/2, n-1} * sd / sqrt(n).
struct MeanInterval {
  int n = 0;
  double mean = 0.0;
  double sd = 0.0;     // sample standard deviation (n - 1 in the denominator); 0 for n = 1
  double lower = 0.0;  // NaN when n < 2 (no interval from a single value)
  double upper = 0.0;
};

// Median with a distribution-free interval [x_(l), x_(n+1-l)] from the order statistics: l is the
// largest rank with P(Binomial(n, 1/2) <= l - 1) <= (1 - level) / 2, so the interval covers the
// true median with probability coverage = 1 - 2 P(Binomial(n, 1/2) <= l - 1) >= level. For n < 6
// (at level 0.95) no such rank exists: the interval is [min, max] and coverage is below level.
struct MedianInterval {
  int n = 0;
  double median = 0.0;
  double lower = 0.0;
  double upper = 0.0;
  int lower_rank = 0;  // 1-based ranks of the interval's ends in the sorted sample
  int upper_rank = 0;
  double coverage = 0.0;  // exact coverage probability of [lower, upper]
};

// Requires a non-empty sample of finite values and 0 < level < 1; throws std::invalid_argument.
MeanInterval mean_interval(const std::vector<double>& values, double level = 0.95);
MedianInterval median_interval(std::vector<double> values, double level = 0.95);

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
