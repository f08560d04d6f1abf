#include "core/kernel.h"

namespace rnnopt {

void apply_kernel_shape(KernelKind kind, double scale, Eigen::MatrixXd& r2) {
  using kernel_detail::kSqrt5;
  // The same expressions as kernel_shape, as whole-array operations so that Eigen evaluates exp
  // two (or more) entries at a time; written in place, so that the caller's buffer is reused.
  if (kind == KernelKind::kRbf) {
    r2 = scale * (-0.5 * r2.array()).exp();
    return;
  }
  const Eigen::ArrayXXd r = r2.array().sqrt();
  r2 = scale * ((1.0 + kSqrt5 * r + (5.0 / 3.0) * r2.array()) * (-kSqrt5 * r).exp());
}

std::string_view kernel_name(KernelKind kind) {
  return kind == KernelKind::kRbf ? "rbf" : "matern52";
}

std::optional<KernelKind> parse_kernel_kind(std::string_view name) {
  if (name == "rbf") return KernelKind::kRbf;
  if (name == "matern52") return KernelKind::kMatern52;
  return std::nullopt;
}

}  // namespace rnnopt
