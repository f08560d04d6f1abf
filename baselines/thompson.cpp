#include "demos/thompson.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/kernel.h"
#include "optimizer/state_io.h"

namespace rnnopt::demos {

void ThompsonOptions::validate(const char* where, int d) const {
  auto bad = [&](const std::string& what) {
    throw std::invalid_argument(std::string(where) + ": " + what);
  };
  if (!(amplitude2 > 0.0) || !std::isfinite(amplitude2)) bad("amplitude2 must be finite and > 0");
  if (!(noise >= 0.0) || !std::isfinite(noise)) bad("noise must be finite and >= 0");
  if (!std::isfinite(mean)) bad("mean must be finite");
  if (num_candidates < 1) bad("num_candidates must be >= 1");
  if (length_scales.size() != 0 && length_scales.size() != 1 && length_scales.size() != d) {
    bad("length_scales must have 1 or " + std::to_string(d) + " entries");
  }
  for (Eigen::Index i = 0; i < length_scales.size(); ++i) {
    if (!(length_scales(i) > 0.0) || !std::isfinite(length_scales(i))) {
      bad("length_scales must be finite and > 0");
    }
  }
}

ThompsonSampling::ThompsonSampling(Box box, ThompsonOptions options, std::uint64_t seed)
    : Optimizer(std::move(box), "ThompsonSampling::ThompsonSampling()"),
      options_(std::move(options)),
      rng_(seed) {
  options_.validate("ThompsonSampling::ThompsonSampling()", dim());
  const Eigen::VectorXd width = this->box().upper - this->box().lower;
  Eigen::VectorXd ls = options_.length_scales.size() == 0 ? Eigen::VectorXd(0.2 * width)
                       : options_.length_scales.size() == 1
                           ? Eigen::VectorXd::Constant(dim(), options_.length_scales(0))
                           : options_.length_scales;
  inv_ls_ = ls.cwiseInverse();
}

Eigen::VectorXd ThompsonSampling::do_propose() {
  const int d = dim();
  Eigen::VectorXd u(d);
  if (history().empty()) {
    for (int j = 0; j < d; ++j) u(j) = rng_.uniform();
    return box().clamp(box().from_unit(u));
  }
  const int n = static_cast<int>(history().size());
  const int m = options_.num_candidates + n;
  // Scaled coordinates z = x / ell of the training points and the candidates.
  Eigen::MatrixXd zx(n, d), zc(m, d);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    zx.row(i) = history()[i].x.cwiseProduct(inv_ls_).transpose();
    y(i) = history()[i].y - options_.mean;
  }
  std::vector<Eigen::VectorXd> cand(m);
  for (int i = 0; i < options_.num_candidates; ++i) {
    for (int j = 0; j < d; ++j) u(j) = rng_.uniform();
    cand[i] = box().clamp(box().from_unit(u));
  }
  for (int i = 0; i < n; ++i) cand[options_.num_candidates + i] = history()[i].x;
  for (int i = 0; i < m; ++i) zc.row(i) = cand[i].cwiseProduct(inv_ls_).transpose();

  auto kernel = [&](const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    Eigen::MatrixXd r2 = (-2.0 * a * b.transpose()).colwise() + a.rowwise().squaredNorm();
    r2.rowwise() += b.rowwise().squaredNorm().transpose();
    r2 = r2.cwiseMax(0.0);
    apply_kernel_shape(KernelKind::kRbf, options_.amplitude2, r2);
    return r2;
  };
  Eigen::MatrixXd kxx = kernel(zx, zx);
  kxx.diagonal().array() += options_.noise + 1e-8;
  Eigen::LLT<Eigen::MatrixXd> llt(kxx);
  double jitter = 1e-8;
  for (int k = 0; k < 6 && llt.info() != Eigen::Success; ++k) {
    jitter *= 10.0;
    kxx.diagonal().array() += jitter;
    llt.compute(kxx);
  }
  const Eigen::MatrixXd kcx = kernel(zc, zx);
  const Eigen::VectorXd mean = kcx * llt.solve(y);
  // Posterior covariance K_cc - K_cx K_xx^-1 K_xc = K_cc - V^T V with V = L^-1 K_xc.
  const Eigen::MatrixXd v = llt.matrixL().solve(kcx.transpose());
  Eigen::MatrixXd cov = kernel(zc, zc) - v.transpose() * v;
  cov = 0.5 * (cov + cov.transpose());
  double cjitter = 1e-8 * options_.amplitude2;
  cov.diagonal().array() += cjitter;
  Eigen::LLT<Eigen::MatrixXd> cov_llt(cov);
  for (int k = 0; k < 6 && cov_llt.info() != Eigen::Success; ++k) {
    cov.diagonal().array() += 9.0 * cjitter;
    cjitter *= 10.0;
    cov_llt.compute(cov);
  }
  Eigen::VectorXd z(m);
  for (int i = 0; i < m; ++i) z(i) = rng_.normal();
  Eigen::VectorXd sample;
  if (cov_llt.info() == Eigen::Success) {
    sample = mean + cov_llt.matrixL() * z;
  } else {
    // Numerical trouble: independent marginals (still a valid exploratory draw).
    sample = mean + (cov.diagonal().array().max(0.0).sqrt() * z.array()).matrix();
  }
  Eigen::Index best = 0;
  sample.minCoeff(&best);
  return cand[best];
}

void ThompsonSampling::do_save_state(StateWriter& w) const {
  w.tag("thompson");
  w.text(rng_.state());
}

std::function<void()> ThompsonSampling::do_restore_state(StateReader& r) {
  r.expect("thompson");
  const Rng rng = read_rng(r);
  return [this, rng] { rng_ = rng; };
}

}  // namespace rnnopt::demos
