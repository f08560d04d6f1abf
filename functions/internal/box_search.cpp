#include "functions/internal/box_search.h"

#include <LBFGSB.h>

#include <algorithm>
#include <boost/random/sobol.hpp>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <utility>

#include "core/rng.h"

namespace rnnopt::functions::internal {

BoxSearchOptions BoxSearchOptions::for_dim(int d) {
  BoxSearchOptions o;
  o.num_points = d <= 2 ? (1 << 12) : d <= 4 ? (1 << 13) : (1 << 14);
  o.num_starts = 8 + 4 * d;
  return o;
}

Eigen::MatrixXd sobol_points(int d, int n, std::uint64_t seed) {
  Eigen::MatrixXd points(d, n);
  constexpr int kMaxSobolDim = 3667;  // boost::random::sobol's default direction table
  if (d > kMaxSobolDim) {
    Rng rng(seed);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < d; ++i) points(i, j) = rng.uniform();
    }
    return points;
  }
  boost::random::sobol gen(static_cast<std::size_t>(d));
  for (int j = 0; j < n; ++j) {
    // 64-bit Sobol integers to doubles in [0, 1) with 53 bits.
    for (int i = 0; i < d; ++i) points(i, j) = static_cast<double>(gen() >> 11) * 0x1.0p-53;
  }
  return points;
}

ValueGradFn central_difference_gradient(ValueFn f, Eigen::VectorXd lower, Eigen::VectorXd upper,
                                        double rel_step) {
  return [f = std::move(f), lower = std::move(lower), upper = std::move(upper), rel_step](
             const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
    Eigen::VectorXd y = x;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const double h = rel_step * (upper[i] - lower[i]);
      y[i] = x[i] + h;
      const double fp = f(y);
      y[i] = x[i] - h;
      const double fm = f(y);
      y[i] = x[i];
      grad[i] = (fp - fm) / (2.0 * h);
    }
    return f(x);
  };
}

namespace {

// Wraps f for LBFGSpp: clamps into the box (the line search may step a rounding error outside)
// and remembers the best point evaluated, which is what we return whatever the solver does.
struct TrackedObjective {
  const ValueGradFn& f;
  const Eigen::VectorXd& lower;
  const Eigen::VectorXd& upper;
  BoxSearchResult best{Eigen::VectorXd(), std::numeric_limits<double>::infinity()};

  double operator()(const Eigen::VectorXd& x, Eigen::VectorXd& grad) {
    const Eigen::VectorXd xc = x.cwiseMax(lower).cwiseMin(upper);
    const double v = f(xc, grad);
    if (!std::isfinite(v)) {
      grad.setZero();
      return std::numeric_limits<double>::max();
    }
    if (v < best.value) best = {xc, v};
    return v;
  }
};

}  // namespace

BoxSearchResult local_minimize(const ValueGradFn& f, const Eigen::VectorXd& x0,
                               const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                               const BoxSearchOptions& options) {
  LBFGSpp::LBFGSBParam<double> param;
  param.epsilon = options.gradient_tolerance;
  param.epsilon_rel = 0.0;
  param.max_iterations = options.max_iterations;
  param.max_linesearch = 50;
  // A relative decrease below 1e-15 over 3 iterations is round-off: stop.
  param.past = 3;
  param.delta = 1e-15;
  LBFGSpp::LBFGSBSolver<double> solver(param);

  TrackedObjective tracked{f, lower, upper};
  Eigen::VectorXd x = x0.cwiseMax(lower).cwiseMin(upper);
  // A failed line search (LBFGSpp throws) usually means round-off near the minimum, sometimes a
  // poor quasi-Newton model: restart with fresh memory from the best point while that helps.
  for (int attempt = 0; attempt < 4; ++attempt) {
    const double before = tracked.best.value;
    double fx = 0.0;
    try {
      solver.minimize(tracked, x, fx, lower, upper);
      break;
    } catch (const std::exception&) {
      x = tracked.best.x;
      const bool improved =
          !std::isfinite(before) ||
          tracked.best.value < before - 1e-13 * std::max(1.0, std::abs(before));
      if (!improved) break;
    }
  }
  return tracked.best;
}

BoxSearchResult search_box_minimum(const BatchValueFn& batch, const ValueGradFn& f,
                                   const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                   const BoxSearchOptions& options,
                                   const std::vector<Eigen::VectorXd>& extra_starts) {
  const int d = static_cast<int>(lower.size());
  const Eigen::VectorXd width = upper - lower;
  Eigen::MatrixXd points = sobol_points(d, options.num_points);
  for (int j = 0; j < points.cols(); ++j) {
    points.col(j) = lower + points.col(j).cwiseProduct(width);
  }
  const Eigen::VectorXd values = batch(points);

  std::vector<int> order(static_cast<std::size_t>(points.cols()));
  std::iota(order.begin(), order.end(), 0);
  const int k = std::min<int>(options.num_starts, static_cast<int>(order.size()));
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
    // NaN sorts last.
    const double va = std::isnan(values[a]) ? INFINITY : values[a];
    const double vb = std::isnan(values[b]) ? INFINITY : values[b];
    return va < vb;
  });

  BoxSearchResult best{points.col(order[0]), values[order[0]]};
  if (std::isnan(best.value)) best.value = INFINITY;
  auto consider = [&](const Eigen::VectorXd& x0) {
    const BoxSearchResult r = local_minimize(f, x0, lower, upper, options);
    if (r.value < best.value) best = r;
  };
  for (int i = 0; i < k; ++i) consider(points.col(order[i]));
  for (const Eigen::VectorXd& x0 : extra_starts) consider(x0);
  return best;
}

}  // namespace rnnopt::functions::internal
