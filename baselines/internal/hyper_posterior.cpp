#include "baselines/internal/hyper_posterior.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <limits>
#include <numbers>

namespace rnnopt::baselines::internal {
namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

}  // namespace

double HyperPriors::log_density(const GpHypers& h, bool noisy) const {
  double lp = -0.5 * (h.mean / mean_sd) * (h.mean / mean_sd);
  // amp2 = s^2 with log s ~ N(0, scale^2): p(amp2) = p_s(sqrt amp2) / (2 sqrt amp2), so
  // log p = -log amp2 - (log amp2)^2 / (8 scale^2) + const.
  if (!(h.amp2 > 0.0)) return kMinusInf;
  const double la = std::log(h.amp2);
  lp += -la - la * la / (8.0 * amp2_scale * amp2_scale);
  for (Eigen::Index j = 0; j < h.ls.size(); ++j) {
    if (!(h.ls[j] > 0.0 && h.ls[j] < max_ls)) return kMinusInf;
  }
  if (noisy) {
    // Spearmint's horseshoe approximation: log log(1 + 3 (scale / noise)^2), noise > 0.
    if (!(h.noise > 0.0)) return kMinusInf;
    const double r = noise_scale / h.noise;
    lp += std::log(std::log1p(3.0 * r * r));
  }
  if (h.warp) {
    for (const Eigen::VectorXd* v : {&h.alpha, &h.beta}) {
      for (Eigen::Index j = 0; j < v->size(); ++j) {
        const double x = (*v)[j];
        if (!(x >= warp_min && x <= warp_max)) return kMinusInf;
        const double lx = std::log(x);
        lp += -lx - lx * lx / (2.0 * warp_sigma * warp_sigma);
      }
    }
  }
  return lp;
}

HyperPosterior::HyperPosterior(KernelKind kernel, HyperPriors priors, bool noisy, double jitter)
    : kernel_(kernel), priors_(priors), noisy_(noisy), jitter_(jitter) {}

void HyperPosterior::set_data(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  x_ = x;
  y_ = y;
  sq_.assign(x.cols(), Eigen::MatrixXd());
  key_.assign(x.cols(), Eigen::Vector3d::Constant(std::numeric_limits<double>::quiet_NaN()));
}

void HyperPosterior::update_dimension(int j, double a, double b, bool warp) {
  const Eigen::Vector3d key(warp ? 1.0 : 0.0, warp ? a : 0.0, warp ? b : 0.0);
  if (key_[j] == key) return;
  const Eigen::Index n = x_.rows();
  Eigen::VectorXd w(n);
  for (Eigen::Index i = 0; i < n; ++i) w[i] = warp ? beta_warp(x_(i, j), a, b) : x_(i, j);
  Eigen::MatrixXd& s = sq_[j];
  s.resize(n, n);
  for (Eigen::Index k = 0; k < n; ++k) s.col(k) = (w.array() - w[k]).square();
  key_[j] = key;
}

double HyperPosterior::log_likelihood(const GpHypers& h) {
  const Eigen::Index n = x_.rows();
  const int d = static_cast<int>(x_.cols());
  Eigen::MatrixXd r2 = Eigen::MatrixXd::Zero(n, n);
  for (int j = 0; j < d; ++j) {
    update_dimension(j, h.warp ? h.alpha[j] : 0.0, h.warp ? h.beta[j] : 0.0, h.warp);
    r2 += sq_[j] / (h.ls[j] * h.ls[j]);
  }
  Eigen::MatrixXd& k = r2;
  apply_kernel(kernel_, h.amp2, k);
  k.diagonal().array() += jitter_ + (noisy_ ? h.noise : 0.0);
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success) return kMinusInf;
  const Eigen::VectorXd r = y_.array() - h.mean;
  const Eigen::VectorXd v = llt.matrixL().solve(r);
  const double log_det = llt.matrixLLT().diagonal().array().log().sum();
  return -0.5 * v.squaredNorm() - log_det -
         0.5 * static_cast<double>(n) * std::log(2.0 * std::numbers::pi);
}

double HyperPosterior::log_density(const GpHypers& h) {
  const double lp = priors_.log_density(h, noisy_);
  if (!std::isfinite(lp)) return kMinusInf;
  const double ll = log_likelihood(h);
  return std::isfinite(ll) ? lp + ll : kMinusInf;
}

}  // namespace rnnopt::baselines::internal
