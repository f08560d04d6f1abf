#include "baselines/thompson.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "baselines/internal/gp.h"
#include "optimizer/state_io.h"

namespace rnnopt::baselines {

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
  const Eigen::VectorXd ls = options_.length_scales.size() == 0 ? Eigen::VectorXd(0.2 * width)
                             : options_.length_scales.size() == 1
                                 ? Eigen::VectorXd::Constant(dim(), options_.length_scales(0))
                                 : options_.length_scales;
  unit_ls_ = ls.cwiseQuotient(width);
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
  internal::GpHypers h;
  h.mean = options_.mean;
  h.amp2 = options_.amplitude2;
  h.noise = options_.noise;
  h.ls = unit_ls_;
  internal::GpPosterior gp(KernelKind::kRbf, h, /*jitter=*/1e-8);
  Eigen::MatrixXd ux(n, d);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    ux.row(i) = box().to_unit(history()[i].x).transpose();
    y(i) = history()[i].y;
  }
  gp.fit(ux, y);

  std::vector<Eigen::VectorXd> cand(m);
  Eigen::MatrixXd uc(m, d);
  for (int i = 0; i < options_.num_candidates; ++i) {
    for (int j = 0; j < d; ++j) u(j) = rng_.uniform();
    cand[i] = box().clamp(box().from_unit(u));
  }
  for (int i = 0; i < n; ++i) cand[options_.num_candidates + i] = history()[i].x;
  for (int i = 0; i < m; ++i) uc.row(i) = box().to_unit(cand[i]).transpose();

  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
  gp.joint_posterior(gp.transform(uc), mean, cov);
  Eigen::MatrixXd l;
  int trouble = 0;
  internal::cholesky_with_jitter(cov, 1e-8 * options_.amplitude2, options_.amplitude2, l,
                                 &trouble);
  Eigen::VectorXd z(m);
  for (int i = 0; i < m; ++i) z(i) = rng_.normal();
  const Eigen::VectorXd sample = mean + l.triangularView<Eigen::Lower>() * z;
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

}  // namespace rnnopt::baselines
