// A compass search for tests: a minimum found with no code shared with the library's own search
// (Sobol + L-BFGS-B), to check the library's answers against.
//
//   double f_min = rnnopt::test::compass_search(
//       [&](const Eigen::VectorXd& x) { return f(x); }, x0, f(x0), lo, hi, 0.05, 1e-10);
#pragma once

#include <Eigen/Core>
#include <algorithm>

namespace rnnopt::test {

// From x (with value fx), tries +-step * (hi - lo) along each coordinate in turn (clamped to
// [lo, hi]) and moves to the first point that improves; halves step when none does, until step is
// no longer above min_step. Returns the final value.
template <class F>
double compass_search(F&& f, Eigen::VectorXd x, double fx, const Eigen::VectorXd& lo,
                      const Eigen::VectorXd& hi, double step, double min_step) {
  const Eigen::VectorXd width = hi - lo;
  while (step > min_step) {
    bool moved = false;
    for (Eigen::Index j = 0; j < x.size() && !moved; ++j) {
      for (double sign : {1.0, -1.0}) {
        Eigen::VectorXd y = x;
        y[j] = std::clamp(x[j] + sign * step * width[j], lo[j], hi[j]);
        const double fy = f(y);
        if (fy < fx) {
          x = y;
          fx = fy;
          moved = true;
          break;
        }
      }
    }
    if (!moved) step /= 2;
  }
  return fx;
}

}  // namespace rnnopt::test
