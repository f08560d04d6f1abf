// rnnopt/baselines/internal/hyper_posterior.h: the log posterior density of Spearmint's GP
// hyper-parameters (private): the priors HIPS/Spearmint codes (spearmint/models/gp.py,
// spearmint/utils/priors.py; listed in baselines/spearmint.h) plus the GP marginal
// log-likelihood of the observed data (Snoek, Larochelle & Adams 2012, arXiv:1206.2944,
// section 3.1). Per-dimension squared distances of the warped inputs are
// cached and recomputed only for a dimension whose warping changed, because the slice sampler
// moves one coordinate at a time.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "baselines/internal/gp.h"

namespace rnnopt::baselines::internal {

struct HyperPriors {
  double mean_sd = 1.0;      // mean ~ N(0, mean_sd^2)
  double amp2_scale = 1.0;   // amp2 = s^2, s ~ LogNormal(0, amp2_scale)
  double max_ls = 10.0;      // ls ~ Uniform(0, max_ls)
  double noise_scale = 0.1;  // noise ~ Horseshoe(noise_scale), Spearmint's approximation
  double warp_sigma = 1.5;   // alpha, beta ~ LogNormal(0, warp_sigma) truncated to the range
  double warp_min = 0.1;
  double warp_max = 10.0;

  // log prior density up to a constant; -inf outside the support.
  double log_density(const GpHypers& h, bool noisy) const;
};

class HyperPosterior {
 public:
  HyperPosterior(KernelKind kernel, HyperPriors priors, bool noisy, double jitter);

  // The data: rows of x in the unit cube, y (standardised).
  void set_data(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);

  // log prior + log marginal likelihood; -inf where the prior vanishes or K is not PD.
  double log_density(const GpHypers& h);
  double log_likelihood(const GpHypers& h);

 private:
  void update_dimension(int j, double a, double b, bool warp);

  KernelKind kernel_;
  HyperPriors priors_;
  bool noisy_;
  double jitter_;
  Eigen::MatrixXd x_;
  Eigen::VectorXd y_;
  std::vector<Eigen::MatrixXd> sq_;   // per dimension: (w_j(x_i) - w_j(x_k))^2
  std::vector<Eigen::Vector3d> key_;  // per dimension: (warp, a, b) the cache was built for
};

}  // namespace rnnopt::baselines::internal
