#include "bench/quality/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace rnnopt::bench {

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
