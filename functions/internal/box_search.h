// rnnopt/functions/internal/box_search.h: the global minimum of a smooth function on a box.
//
// Private to functions/ (and its tests): GP samples and benchmark instances find their own
// minimum with it, so that regret is exact. The search evaluates dense Sobol points
// (Boost.Random), then runs bounded L-BFGS-B (LBFGSpp) from the best few of them and from any
// extra starting points the caller knows, and returns the best point seen.
//
//   BoxSearchResult r = search_box_minimum(batch_values, value_and_gradient, lower, upper,
//                                          BoxSearchOptions::for_dim(d));
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

namespace rnnopt::functions::internal {

// f at the columns of X (d x n); returns n values.
using BatchValueFn = std::function<Eigen::VectorXd(const Eigen::MatrixXd& points)>;
// f(x), writing df/dx into grad (already sized d).
using ValueGradFn = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& grad)>;
using ValueFn = std::function<double(const Eigen::VectorXd& x)>;

struct BoxSearchOptions {
  int num_points = 4096;              // Sobol points scanned
  int num_starts = 10;                // L-BFGS-B runs from the best Sobol points
  double gradient_tolerance = 1e-10;  // L-BFGS-B stops when the projected gradient is this small
  int max_iterations = 1000;          // per L-BFGS-B run

  // Defaults that grow with the dimension: 2^12 Sobol points up to d = 2, 2^13 up to d = 4 and
  // 2^14 beyond; 8 + 4 d starts.
  static BoxSearchOptions for_dim(int d);
};

struct BoxSearchResult {
  Eigen::VectorXd x;
  double value = 0.0;
};

// The first n points of the d-dimensional Sobol sequence (Boost.Random, Joe-Kuo directions) as
// the columns of a d x n matrix in [0,1)^d. For d above the table's 3667 dimensions, uniform
// points from rnnopt::Rng(seed) instead.
Eigen::MatrixXd sobol_points(int d, int n, std::uint64_t seed = 0);

// A central-difference gradient of f with steps h_i = rel_step * (upper_i - lower_i). f must be
// defined a step beyond the box.
ValueGradFn central_difference_gradient(ValueFn f, Eigen::VectorXd lower, Eigen::VectorXd upper,
                                        double rel_step = 1e-6);

// Bounded L-BFGS-B from x0 (clamped into the box). Line-search failures near convergence are
// expected numerical trouble: the run restarts from the best point seen (a few times) and the best
// point is returned.
BoxSearchResult local_minimize(const ValueGradFn& f, const Eigen::VectorXd& x0,
                               const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                               const BoxSearchOptions& options);

// Sobol scan, then L-BFGS-B from the num_starts best points and from each of extra_starts.
BoxSearchResult search_box_minimum(const BatchValueFn& batch, const ValueGradFn& f,
                                   const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                   const BoxSearchOptions& options,
                                   const std::vector<Eigen::VectorXd>& extra_starts = {});

}  // namespace rnnopt::functions::internal
