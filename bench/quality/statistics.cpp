#include "bench/quality/statistics.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace rnnopt::bench {
namespace {

void check_sample(const std::vector<double>& values, double level, const char* where) {
  if (values.empty()) throw std::invalid_argument(std::string(where) + ": empty sample");
  if (!(level > 0.0 && level < 1.0)) {
    throw std::invalid_argument(std::string(where) + ": level must be in (0, 1), got " +
                                std::to_string(level));
  }
  for (double v : values) {
    if (!std::isfinite(v)) throw std::invalid_argument(std::string(where) + ": non-finite value");
  }
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isfinite(v)) throw std::invalid_argument("average_ranks(): non-finite value");
  }
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    // Positions i..j (0-based) share the mean of ranks i+1..j+1.
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

MeanInterval mean_interval(const std::vector<double>& values, double level) {
  check_sample(values, level, "mean_interval()");
  MeanInterval m;
  m.n = static_cast<int>(values.size());
  double sum = 0.0;
  for (double v : values) sum += v;
  m.mean = sum / m.n;
  if (m.n < 2) {
    m.lower = m.upper = std::numeric_limits<double>::quiet_NaN();
    return m;
  }
  // Two-pass variance: stable for regrets spanning many orders of magnitude.
  double ss = 0.0;
  for (double v : values) ss += (v - m.mean) * (v - m.mean);
  m.sd = std::sqrt(ss / (m.n - 1));
  const boost::math::students_t dist(m.n - 1);
  const double t = boost::math::quantile(dist, 0.5 + level / 2.0);
  const double half = t * m.sd / std::sqrt(static_cast<double>(m.n));
  m.lower = m.mean - half;
  m.upper = m.mean + half;
  return m;
}

MedianInterval median_interval(std::vector<double> values, double level) {
  check_sample(values, level, "median_interval()");
  std::sort(values.begin(), values.end());
  MedianInterval md;
  md.n = static_cast<int>(values.size());
  const int n = md.n;
  md.median = n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  // The number of sample values below the median is Binomial(n, 1/2); [x_(l), x_(n+1-l)] misses
  // the median exactly when at most l - 1 values fall on one side.
  const boost::math::binomial_distribution<double> bin(n, 0.5);
  const double alpha_half = (1.0 - level) / 2.0;
  int l = 1;
  while (l + 1 <= (n + 1) / 2 && boost::math::cdf(bin, l) <= alpha_half) ++l;
  md.lower_rank = l;
  md.upper_rank = n + 1 - l;
  md.lower = values[md.lower_rank - 1];
  md.upper = values[md.upper_rank - 1];
  md.coverage = 1.0 - 2.0 * boost::math::cdf(bin, l - 1);
  return md;
}

std::vector<double> regret_at_horizons(const std::vector<double>& best_so_far,
                                       const std::vector<int>& horizons) {
  std::vector<double> out;
  out.reserve(horizons.size());
  for (int h : horizons) {
    if (h < 1 || h > static_cast<int>(best_so_far.size())) {
      throw std::invalid_argument("regret_at_horizons(): horizon " + std::to_string(h) +
                                  " is outside the curve of " + std::to_string(best_so_far.size()) +
                                  " evaluations");
    }
    out.push_back(best_so_far[h - 1]);
  }
  return out;
}

std::vector<double> best_so_far_regret(const std::vector<double>& ys, double f_star) {
  std::vector<double> out;
  out.reserve(ys.size());
  double best = std::numeric_limits<double>::infinity();
  for (double y : ys) {
    best = std::min(best, y);
    out.push_back(best - f_star);
  }
  return out;
}

}  // namespace rnnopt::bench
