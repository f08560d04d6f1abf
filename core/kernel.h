// rnnopt/core/kernel.h: the two stationary GP kernels of the project, RBF and Matern-5/2, as
// functions of the scaled squared distance r^2 = sum_j ((x_j - x'_j) / ell_j)^2, with unit signal
// variance (multiply by it):
//
//   RBF          k(r^2) = exp(-r^2 / 2)
//   Matern-5/2   k(r^2) = (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r)
//
// (Rasmussen & Williams 2006, "Gaussian Processes for Machine Learning", Eq. 4.9 and 4.17). Every
// folder that evaluates a kernel in double precision calls these: the GP test functions
// (functions/), the engine's acquisition features (optimizer/), the GP baselines (baselines/) and
// the demos; meta_train/ has its own batched LibTorch version of the same formulas.
//
//   const rnnopt::KernelKind kind = rnnopt::KernelKind::kMatern52;
//   double k = variance * rnnopt::kernel_shape(kind, r2);
//   double dk = variance * rnnopt::kernel_shape_d_r2(kind, r2);   // d k / d r^2
//   Eigen::MatrixXd K = ...;                                      // squared distances, >= 0
//   rnnopt::apply_kernel_shape(kind, variance, K);                // now kernel values
//   rnnopt::kernel_name(kind);                                    // "matern52"
//
// The floating-point expressions are fixed: the shipped models' golden traces and the tests that
// compare exact traces were recorded with them. Rewriting one (even an equivalent form, such as
// sqrt(5 r^2) for sqrt5 r) changes the last bits of every GP posterior built on it.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>

namespace rnnopt {

enum class KernelKind { kRbf, kMatern52 };

namespace kernel_detail {
inline constexpr double kSqrt5 = 2.23606797749978969641;
}  // namespace kernel_detail

// k(r^2) / variance. Requires r2 >= 0 (a negative r2, round-off of a squared distance computed by
// a matrix product, counts as 0 for Matern-5/2). Returns a value in [0, 1], 1 at r2 = 0.
inline double kernel_shape(KernelKind kind, double r2) {
  using kernel_detail::kSqrt5;
  if (kind == KernelKind::kRbf) return std::exp(-0.5 * r2);
  const double r = std::sqrt(std::max(r2, 0.0));
  return (1.0 + kSqrt5 * r + (5.0 / 3.0) * r2) * std::exp(-kSqrt5 * r);
}

// d kernel_shape / d r^2, finite at r = 0 for both kernels (RBF: -1/2, Matern-5/2: -5/6 there),
// which is why the kernels are written in r^2. Requires r2 >= 0 as kernel_shape does.
inline double kernel_shape_d_r2(KernelKind kind, double r2) {
  using kernel_detail::kSqrt5;
  if (kind == KernelKind::kRbf) return -0.5 * std::exp(-0.5 * r2);
  // d/dr^2 of (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r) = -(5/6) (1 + sqrt5 r) exp(-sqrt5 r).
  const double s = kSqrt5 * std::sqrt(std::max(r2, 0.0));
  return -(5.0 / 6.0) * (1.0 + s) * std::exp(-s);
}

// Replaces every entry r2(i, j) (a squared distance, >= 0: clamp round-off first) by
// scale * kernel_shape(kind, r2(i, j)), with Eigen's vectorised exp (its values can differ from
// std::exp's in the last bit, so this is not bit-identical to a loop over kernel_shape).
void apply_kernel_shape(KernelKind kind, double scale, Eigen::MatrixXd& r2);

// "rbf" or "matern52": the names used in specs, configurations and model files (a view of a
// null-terminated string literal, so data() may be given to printf).
std::string_view kernel_name(KernelKind kind);
// The kind named "rbf" or "matern52" (exactly, lower case); nullopt for any other name.
std::optional<KernelKind> parse_kernel_kind(std::string_view name);

}  // namespace rnnopt
