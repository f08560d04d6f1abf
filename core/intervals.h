// rnnopt/core/intervals.h: 95% (or other level) confidence intervals of a mean and a median.
//
// Means get Student-t intervals (exact for normal samples, and right for small n, where the
// normal quantile 1.96 is too narrow: t_{0.975,7} = 2.36 for 8 runs); medians get
// distribution-free intervals from the order statistics (the sign-test interval).
//
//   std::vector<double> r = {0.3, 0.1, 0.2};
//   rnnopt::MeanInterval m = rnnopt::mean_interval(r);       // m.mean = 0.2, [m.lower, m.upper]
//   rnnopt::MedianInterval md = rnnopt::median_interval(r);  // md.median = 0.2, [md.lower,
//   md.upper]
#pragma once

#include <vector>

namespace rnnopt {

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

// Require a non-empty sample of finite values and 0 < level < 1; throw std::invalid_argument
// ("mean_interval(): empty sample", "...: non-finite value", "...: level must be in (0, 1)").
MeanInterval mean_interval(const std::vector<double>& values, double level = 0.95);
MedianInterval median_interval(std::vector<double> values, double level = 0.95);

// The two-sided Student-t quantile t_{(1+level)/2, dof}: the half-width of a mean's interval is
// this times sd / sqrt(n), with dof = n - 1. Requires dof >= 1 and 0 < level < 1; throws
// std::invalid_argument otherwise.
double student_t_quantile(int dof, double level = 0.95);

}  // namespace rnnopt
