// The GP posterior of the EI losses (gp_posterior.h), and the tests' hooks into it
// (torch_expected_improvement, torch_gp_prediction; trainer.h).
#include "meta_train/internal/gp_posterior.h"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "meta_train/trainer.h"

namespace rnnopt::train {
namespace internal {

GpPosterior::GpPosterior(KernelKind kernel, double variance, torch::Tensor inv_ls, double jitter)
    : kernel_(kernel), variance_(variance), inv_ls_(std::move(inv_ls)), jitter_(jitter) {}

torch::Tensor GpPosterior::cross_kernel(const torch::Tensor& x) const {
  const torch::Tensor diff = (x_obs_ - x.unsqueeze(1)) * inv_ls_.unsqueeze(1);
  const torch::Tensor r2 = (diff * diff).sum(-1);
  if (kernel_ == KernelKind::kRbf) return variance_ * torch::exp(-0.5 * r2);
  // Matern-5/2; the small constant keeps the gradient of r finite at duplicated points.
  const torch::Tensor r = torch::sqrt(r2 + 1e-12);
  const double s5 = std::sqrt(5.0);
  return variance_ * (1.0 + s5 * r + (5.0 / 3.0) * r2) * torch::exp(-s5 * r);
}

torch::Tensor GpPosterior::expected_improvement(const torch::Tensor& x, int query_id) {
  const auto [improvement, sigma] = improvement_and_sigma(x, query_id);
  const torch::Tensor z = improvement / sigma;
  const torch::Tensor cdf = 0.5 * torch::erfc(-z / std::numbers::sqrt2);
  const torch::Tensor pdf = torch::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
  return improvement * cdf + sigma * pdf;
}

// With EI = sigma h(z), z = (best - mu) / sigma, h(z) = z Phi(z) + phi(z): for z > -1 log h
// directly; for z <= -1, h(z) = phi(z) (1 - u m(u)), u = -z, with Mills' ratio
// m(u) = Phi(-u) / phi(u) = sqrt(pi / 2) erfcx(u / sqrt 2), in float64 (1 - u m(u) ~ 1 / u^2).
torch::Tensor GpPosterior::log_expected_improvement(const torch::Tensor& x, int query_id) {
  const auto [improvement, sigma] = improvement_and_sigma(x, query_id);
  const torch::Tensor z = (improvement / sigma).to(torch::kFloat64);
  const double log_sqrt_2pi = 0.5 * std::log(2.0 * std::numbers::pi);
  const torch::Tensor zh = torch::clamp_min(z, -1.0);
  const torch::Tensor high = torch::log(zh * 0.5 * torch::erfc(-zh / std::numbers::sqrt2) +
                                        torch::exp(-0.5 * zh * zh - log_sqrt_2pi));
  const torch::Tensor u = torch::clamp(-z, 1.0, 1e4);
  const torch::Tensor mills =
      std::sqrt(std::numbers::pi / 2.0) * torch::special::erfcx(u / std::numbers::sqrt2);
  const torch::Tensor low =
      -0.5 * u * u - log_sqrt_2pi + torch::log(torch::clamp_min(1.0 - u * mills, 1e-300));
  const torch::Tensor log_h = torch::where(z > -1.0, high, low).to(sigma.scalar_type());
  return torch::log(sigma) + log_h;
}

std::pair<torch::Tensor, torch::Tensor> GpPosterior::mean_and_variance(
    const torch::Tensor& x) const {
  const torch::Tensor v = solve(x);
  return {(v * alpha_).sum(1), torch::clamp_min(variance_ - (v * v).sum(1), 1e-10 * variance_)};
}

// The Cholesky factor grows by the row [v, dd], v = L^{-1} k(X, x), dd = sqrt(k(x, x) - v.v),
// and alpha = L^{-1} y by (y - v.alpha) / dd.
void GpPosterior::add(const torch::Tensor& x, const torch::Tensor& y, int query_id) {
  const double diag = variance_ * (1.0 + jitter_);
  if (n_ == 0) {
    l_ = torch::full({x.size(0), 1, 1}, std::sqrt(diag), x.options());
    alpha_ = (y / std::sqrt(diag)).unsqueeze(1);
    x_obs_ = x.unsqueeze(1);
    best_ = y;
    n_ = 1;
    return;
  }
  const torch::Tensor v =
      (query_id >= 0 && query_id == cached_id_ && cached_n_ == n_) ? cached_v_ : solve(x);
  const torch::Tensor dd =
      torch::sqrt(torch::clamp_min(diag - (v * v).sum(1), variance_ * jitter_));
  const torch::Tensor right = torch::zeros({x.size(0), n_, 1}, x.options());
  const torch::Tensor row = torch::cat({v, dd.unsqueeze(1)}, 1).unsqueeze(1);
  l_ = torch::cat({torch::cat({l_, right}, 2), row}, 1);
  alpha_ = torch::cat({alpha_, ((y - (v * alpha_).sum(1)) / dd).unsqueeze(1)}, 1);
  x_obs_ = torch::cat({x_obs_, x.unsqueeze(1)}, 1);
  best_ = torch::minimum(best_, y);
  ++n_;
}

std::pair<torch::Tensor, torch::Tensor> GpPosterior::improvement_and_sigma(const torch::Tensor& x,
                                                                           int query_id) {
  const torch::Tensor v = solve(x);
  if (query_id >= 0) {
    cached_id_ = query_id;
    cached_n_ = n_;
    cached_v_ = v;
  }
  const torch::Tensor mu = (v * alpha_).sum(1);
  const torch::Tensor var = torch::clamp_min(variance_ - (v * v).sum(1), 1e-10 * variance_);
  return {best_ - mu, torch::sqrt(var)};
}

torch::Tensor GpPosterior::solve(const torch::Tensor& x) const {
  return torch::linalg_solve_triangular(l_, cross_kernel(x).unsqueeze(2), /*upper=*/false)
      .squeeze(2);
}

}  // namespace internal

namespace {

// A 1 x n float64 tensor holding v.
torch::Tensor float64_row(const Eigen::VectorXd& v) {
  return torch::from_blob(const_cast<double*>(v.data()), {1, v.size()}, torch::kFloat64).clone();
}

// The trainer's GP posterior on (X rows, y), one observation at a time, in float64 (the tests'
// helpers below). `who` names the caller in the size check.
internal::GpPosterior test_posterior(const functions::GpPrior& prior,
                                     const Eigen::VectorXd& length_scales, const Eigen::MatrixXd& X,
                                     const Eigen::VectorXd& y, const Eigen::VectorXd& x,
                                     double jitter, const char* who) {
  if (X.rows() < 1 || X.rows() != y.size() || X.cols() != x.size() ||
      length_scales.size() != x.size()) {
    throw std::invalid_argument(std::string(who) + ": inconsistent sizes");
  }
  internal::GpPosterior posterior(prior.kernel, prior.variance,
                                  float64_row(length_scales.cwiseInverse()), jitter);
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    posterior.add(float64_row(X.row(i).transpose()),
                  torch::full({1}, y(i), torch::TensorOptions().dtype(torch::kFloat64)), -1);
  }
  return posterior;
}

}  // namespace

double torch_expected_improvement(const functions::GpPrior& prior,
                                  const Eigen::VectorXd& length_scales, const Eigen::MatrixXd& X,
                                  const Eigen::VectorXd& y, const Eigen::VectorXd& x, double jitter,
                                  bool log) {
  torch::NoGradGuard guard;
  internal::GpPosterior posterior =
      test_posterior(prior, length_scales, X, y, x, jitter, "torch_expected_improvement()");
  return log ? posterior.log_expected_improvement(float64_row(x), -1).item<double>()
             : posterior.expected_improvement(float64_row(x), -1).item<double>();
}

TorchGpPrediction torch_gp_prediction(const functions::GpPrior& prior,
                                      const Eigen::VectorXd& length_scales,
                                      const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                      const Eigen::VectorXd& x, double jitter) {
  torch::NoGradGuard guard;
  internal::GpPosterior posterior =
      test_posterior(prior, length_scales, X, y, x, jitter, "torch_gp_prediction()");
  const auto [mean, var] = posterior.mean_and_variance(float64_row(x));
  return {mean.item<double>(), var.item<double>(),
          posterior.expected_improvement(float64_row(x), -1).item<double>()};
}

}  // namespace rnnopt::train
