#include "core/intervals.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace rnnopt {
namespace {

void check_level(double level, const char* where) {
  if (!(level > 0.0 && level < 1.0)) {
    throw std::invalid_argument(std::string(where) + ": level must be in (0, 1), got " +
                                std::to_string(level));
  }
}

void check_sample(const std::vector<double>& values, double level, const char* where) {
  if (values.empty()) throw std::invalid_argument(std::string(where) + ": empty sample");
  check_level(level, where);
  for (double v : values) {
    if (!std::isfinite(v)) throw std::invalid_argument(std::string(where) + ": non-finite value");
  }
}

}  // namespace

double student_t_quantile(int dof, double level) {
  if (dof < 1) {
    throw std::invalid_argument("student_t_quantile(): dof must be at least 1, got " +
                                std::to_string(dof));
  }
  check_level(level, "student_t_quantile()");
  const boost::math::students_t dist(dof);
  return boost::math::quantile(dist, 0.5 + level / 2.0);
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
  const double half =
      student_t_quantile(m.n - 1, level) * m.sd / std::sqrt(static_cast<double>(m.n));
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

}  // namespace rnnopt
