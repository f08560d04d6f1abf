// rnnopt/baselines/internal/slice_sampler.h: univariate slice sampling along a direction (private).
//
// Neal (2003), "Slice sampling", Annals of Statistics 31(3): the doubling procedure (his Fig. 4)
// with an initial interval of width w placed at random around the current point, shrinkage
// (Fig. 5) and the acceptability test that makes doubling reversible (Fig. 6). Spearmint samples
// its GP hyper-parameters this way, along a random direction for one block and coordinate by
// coordinate for the other (HIPS/Spearmint, spearmint/models/gp.py and spearmint/sampling/mcmc.py;
// Snoek, Larochelle & Adams 2012, arXiv:1206.2944, section 3.1). Randomness comes from
// rnnopt::Rng only.
//
//   SliceSampler s({.width = 1.0, .max_steps_out = 1000});
//   double lp = log_density(x);
//   x = s.along(x, lp, direction, log_density, rng);      // lp updated to log_density(new x)
//   x = s.coordinatewise(x, lp, log_density, rng);        // every coordinate, random order
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/rng.h"

namespace rnnopt::baselines::internal {

struct SliceOptions {
  double width = 1.0;        // initial bracket width (Spearmint: sigma = 1)
  int max_steps_out = 1000;  // doubling steps at most
  int max_shrinks = 200;     // after this many rejected shrinks the sampler stays put
};

class SliceSampler {
 public:
  explicit SliceSampler(SliceOptions options = {}) : options_(options) {}

  // One slice-sampling update of x along `direction` (need not be normalised). Requires
  // log_p(x) == lp finite. Returns the new point and sets lp to its log density. If the shrinkage
  // does not find an acceptable point within max_shrinks tries, returns x (counted in stuck()).
  template <class LogP>
  Eigen::VectorXd along(const Eigen::VectorXd& x, double& lp, const Eigen::VectorXd& direction,
                        LogP& log_p, Rng& rng) {
    auto f = [&](double t) -> double {
      const double v = log_p(Eigen::VectorXd(x + t * direction));
      return std::isnan(v) ? -INFINITY : v;
    };
    const double w = options_.width;
    // The slice level: log y = log p(x) - Exp(1).
    double u0 = rng.uniform();
    while (u0 <= 0.0) u0 = rng.uniform();
    const double level = lp + std::log(u0);
    // Doubling (Neal, Fig. 4).
    double lo = -w * rng.uniform();
    double hi = lo + w;
    double f_lo = f(lo), f_hi = f(hi);
    for (int k = 0; k < options_.max_steps_out && (level < f_lo || level < f_hi); ++k) {
      if (rng.uniform() < 0.5) {
        lo -= hi - lo;
        f_lo = f(lo);
      } else {
        hi += hi - lo;
        f_hi = f(hi);
      }
    }
    // Shrinkage (Fig. 5) with the acceptability test (Fig. 6).
    double a = lo, b = hi;
    for (int s = 0; s < options_.max_shrinks; ++s) {
      const double t = a + rng.uniform() * (b - a);
      const double ft = f(t);
      ++evaluations_;
      if (level < ft && acceptable(t, level, lo, hi, f)) {
        lp = ft;
        return x + t * direction;
      }
      if (t < 0.0) {
        a = t;
      } else {
        b = t;
      }
    }
    ++stuck_;
    return x;
  }

  // One update of every coordinate, in a random order.
  template <class LogP>
  Eigen::VectorXd coordinatewise(Eigen::VectorXd x, double& lp, LogP& log_p, Rng& rng) {
    std::vector<int> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    rng.shuffle(order.begin(), order.end());
    for (int i : order) {
      x = along(x, lp, Eigen::VectorXd::Unit(x.size(), i), log_p, rng);
    }
    return x;
  }

  // One update along a uniformly random direction.
  template <class LogP>
  Eigen::VectorXd random_direction(const Eigen::VectorXd& x, double& lp, LogP& log_p, Rng& rng) {
    Eigen::VectorXd dir(x.size());
    for (Eigen::Index i = 0; i < dir.size(); ++i) dir[i] = rng.normal();
    dir /= dir.norm();
    return along(x, lp, dir, log_p, rng);
  }

  int stuck() const { return stuck_; }
  long evaluations() const { return evaluations_; }

 private:
  // Neal's Fig. 6: t is acceptable unless, halving the doubled interval [lo, hi] towards t, an
  // interval that separates t from the current point (0) has both ends outside the slice.
  template <class F>
  bool acceptable(double t, double level, double lo, double hi, F& f) const {
    bool differ = false;
    while (hi - lo > 1.1 * options_.width) {
      const double mid = 0.5 * (lo + hi);
      if ((0.0 < mid && t >= mid) || (0.0 >= mid && t < mid)) differ = true;
      if (t < mid) {
        hi = mid;
      } else {
        lo = mid;
      }
      if (differ && level >= f(lo) && level >= f(hi)) return false;
    }
    return true;
  }

  SliceOptions options_;
  int stuck_ = 0;
  long evaluations_ = 0;
};

}  // namespace rnnopt::baselines::internal
