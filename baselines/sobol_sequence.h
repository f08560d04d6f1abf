// rnnopt/baselines/sobol_sequence.h: the Sobol low-discrepancy sequence on [0,1]^d, optionally
// scrambled by a random digital shift.
//
// Point 0 is the origin (the lower corner) and point 1 the centre (0.5, ..., 0.5), as in
// Spearmint's Sobol grid (HIPS/Spearmint, spearmint/grids/sobol_grid.py); points 1, 2, ... are
// Boost.Random's
// sobol engine (Joe & Kuo direction numbers), which itself skips the origin. A digital shift XORs
// every coordinate's 64-bit integer with a random word drawn from rnnopt::Rng(seed): a bijection
// of the grid that keeps the net's stratification, so different seeds give different point sets
// of the same quality.
//
//   rnnopt::baselines::SobolSequence seq(/*d=*/2);               // unscrambled: 0, centre, ...
//   Eigen::VectorXd u = seq.next();
//   rnnopt::baselines::SobolSequence shifted(2, /*shift_seed=*/7);
//   Eigen::MatrixXd grid = rnnopt::baselines::sobol_grid(2, 1000);  // 1000 x 2, rows = points
#pragma once

#include <Eigen/Core>
#include <boost/random/sobol.hpp>
#include <cstdint>
#include <optional>
#include <vector>

namespace rnnopt::baselines {

class SobolSequence {
 public:
  // Requires 1 <= d <= max_dim(); throws std::invalid_argument otherwise. Without shift_seed the
  // plain sequence; with it, a digital shift drawn from rnnopt::Rng(*shift_seed).
  explicit SobolSequence(int d, std::optional<std::uint64_t> shift_seed = std::nullopt);

  // The next point in [0,1)^d.
  Eigen::VectorXd next();
  // Skips n >= 0 points.
  void discard(std::uint64_t n);
  // How many points were produced or skipped so far.
  std::uint64_t index() const { return index_; }
  int dim() const { return d_; }

  // The largest dimension supported by Boost's direction-number table.
  static int max_dim();

 private:
  int d_;
  std::uint64_t index_ = 0;
  std::vector<std::uint64_t> shift_;  // zeros when unshifted
  boost::random::sobol engine_;       // yields points 1, 2, ... of the sequence
};

// Points first .. first+n-1 of the (unshifted unless shift_seed) sequence as the rows of an n x d
// matrix. Requires n >= 0 and 1 <= d <= SobolSequence::max_dim().
Eigen::MatrixXd sobol_grid(int d, int n, std::uint64_t first = 0,
                           std::optional<std::uint64_t> shift_seed = std::nullopt);

}  // namespace rnnopt::baselines
