// rnnopt/functions/gp_sample.h: functions drawn from a Gaussian-process prior on [-1,1]^d.
//
// The paper meta-trains and tests its optimizers on GP prior samples (Chen et al. 2017,
// arXiv:1611.03824, section 2). Here a sample is a random-Fourier-feature function
// (Rahimi & Recht 2007)
//
//   f(x) = scale * sum_m weight[m] * cos(omega.row(m) . x + phase[m]),  scale = sqrt(2 var / M)
//
// with kernels (r^2 = sum_j ((x_j - x'_j) / ell_j)^2)
//
//   RBF          k(x, x') = var * exp(-r^2 / 2)
//   Matern-5/2   k(x, x') = var * (1 + sqrt5 r + 5 r^2 / 3) * exp(-sqrt5 r)
//
// omega already includes the length-scales (omega = z / ell, with z ~ N(0, I) for RBF and a
// multivariate Student-t with 5 degrees of freedom for Matern-5/2, the kernels' spectral
// densities). Over draws of (omega, phase, weight), E[f(x) f(x')] = k(x, x') exactly for any M;
// given (omega, phase) a sample is exactly Gaussian with covariance
// k_M(x, x') = scale^2 sum_m cos(omega_m x + phase_m) cos(omega_m x' + phase_m), whose
// deviation from k shrinks as 1/sqrt(M).
//
// The default M = 1024 was chosen by measuring that deviation (bench/measure/
// gp_measure_main.cpp, `rnnopt-measure-gp features`): over 10 samples x 400 pairs of points within
// 3 length-scales of each other, ell = 0.3, d = 1, 2, 4, 6 and both kernels, the RMS of k_M - k is
// 0.027-0.031 var at M = 1024 (max 0.08-0.14), against 0.036-0.045 at 512 and 0.017-0.022 at 2048
// (RMS ~ sqrt(0.9 / M) var). 3% of the variance is far below the spread between samples; halving it
// would cost 4x the features in every evaluation.
//
// The drawn parameters are exposed (params()) so that the LibTorch sampler of the meta-trainer
// can rebuild the very same function from the same seed, batched and differentiable; the exact
// draw order is documented at draw_gp_params().
//
//   rnnopt::functions::GpPrior prior;                      // defaults documented below
//   auto f = rnnopt::functions::draw_gp_sample(prior, /*d=*/2, /*seed=*/1234);
//   double y = (*f)(Eigen::Vector2d(0.1, -0.3));
//   Eigen::VectorXd g = f->gradient(Eigen::Vector2d(0.1, -0.3));
//   double f_star = *f->known_minimum();                  // dense Sobol + L-BFGS-B, cached
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/kernel.h"
#include "functions/objective.h"

namespace rnnopt::functions {

// The kernel kind is core's (core/kernel.h). GpKernel, the old name, stays for one release.
using GpKernel = KernelKind;

// How the length-scale of each drawn function is chosen. One length-scale per function, shared by
// all dimensions unless per_dimension is true (then each dimension draws its own). kFixed uses
// `low` for every dimension (high and per_dimension are ignored); kUniform draws U[low, high];
// kLogUniform draws exp(U[log low, log high]).
struct LengthScaleDistribution {
  enum class Kind { kFixed, kUniform, kLogUniform };
  Kind kind = Kind::kFixed;
  double low = 0.3;  // the fixed value for kFixed; the range [low, high] otherwise
  double high = 0.3;
  bool per_dimension = false;
};

struct GpPrior {
  KernelKind kernel = KernelKind::kRbf;  // the kernel of every sample, unless mixed_kernel
  // When true, each sample draws its own kernel first: RBF or Matern-5/2 with equal odds
  // (draw_gp_params, step 0); `kernel` is then ignored. For training on a distribution of priors.
  bool mixed_kernel = false;
  double variance = 1.0;  // signal variance (amplitude^2) of the prior
  LengthScaleDistribution length_scale;
  int num_features = 1024;  // M, random Fourier features per sample (measured: see the top)

  // Throws std::invalid_argument("GpPrior::validate(): ...") naming the bad field: variance
  // must be finite and > 0, num_features >= 1, length_scale.low finite and > 0, and for the drawn
  // kinds high finite and >= low.
  void validate() const;
  // e.g. "rbf(var=1,ell=0.3)", "matern52(var=1,ell~U[0.1,0.5] per dim,M=128)" (M only when it
  // differs from the default), "rbf|matern52(var=1,ell~logU[0.1,1] per dim)" with mixed_kernel.
  std::string describe() const;
  // k(x, x') of the prior for the given length-scales (the exact kernel, not its RFF estimate),
  // with `kernel` (for a mixed prior use the sample's own: GpSampleParams::kernel).
  // length_scales has 1 entry (shared) or x.size() entries, all > 0; x2 has x.size() entries.
  // Throws std::invalid_argument otherwise.
  double kernel_value(const Eigen::VectorXd& x, const Eigen::VectorXd& x2,
                      const Eigen::VectorXd& length_scales) const;
};

// The drawn parameters of one sample: everything needed to evaluate it anywhere.
struct GpSampleParams {
  Eigen::MatrixXd omega;                 // M x d frequencies (length-scales included)
  Eigen::VectorXd phase;                 // M phases in [0, 2 pi)
  Eigen::VectorXd weight;                // M standard-normal weights
  double scale = 0.0;                    // sqrt(2 variance / M)
  Eigen::VectorXd length_scales;         // d length-scales the frequencies were divided by
  KernelKind kernel = KernelKind::kRbf;  // the sample's kernel (drawn when the prior is mixed)
};

class GpSample final : public Objective {
 public:
  // A sample from already drawn parameters (draw_gp_sample is the usual way). Throws
  // std::invalid_argument unless omega is M x d (M, d >= 1), phase and weight have M entries,
  // length_scales d, scale > 0 and all are finite. name() is
  // "gp:d=<d>:<prior_description>#<seed>".
  GpSample(GpSampleParams params, std::uint64_t seed, std::string prior_description);

  int dim() const override { return static_cast<int>(params_.omega.cols()); }
  Eigen::VectorXd lower() const override { return Eigen::VectorXd::Constant(dim(), -1.0); }
  Eigen::VectorXd upper() const override { return Eigen::VectorXd::Ones(dim()); }
  // The global minimum over [-1,1]^d, found once and cached (thread-safe): 2^12 Sobol points for
  // d <= 2, 2^13 for d <= 4, 2^14 beyond, but at least the estimated number of basins
  // prod_j 2 RMS(omega_j) (at most 2^17; then with twice the starts), then bounded L-BFGS-B with
  // the analytic gradient from the best 8 + 4 d of them. Takes about 0.02-0.3 s (up to ~1.5 s
  // for rough samples in d >= 6). Reliability was measured against an 8x denser scan with 4x the
  // starts (`rnnopt-measure-gp minimum`); see the comment in GpSample::find_minimum().
  std::optional<double> known_minimum() const override;
  std::string name() const override;

  // The minimiser found with known_minimum().
  Eigen::VectorXd argmin() const;
  // df/dx at x (x unchecked beyond its dimension: throws std::invalid_argument on a wrong size).
  Eigen::VectorXd gradient(const Eigen::VectorXd& x) const;
  // f(x) without the box check, for hot loops (x must have dim() entries).
  double value_unchecked(const Eigen::VectorXd& x) const;

  const GpSampleParams& params() const { return params_; }
  std::uint64_t seed() const { return seed_; }

 private:
  double evaluate(const Eigen::VectorXd& x) const override { return value_unchecked(x); }
  void find_minimum() const;

  GpSampleParams params_;
  std::uint64_t seed_;
  std::string prior_description_;
  mutable std::once_flag minimum_once_;
  mutable double minimum_ = 0.0;
  mutable Eigen::VectorXd argmin_;
};

// Draws the parameters of one sample on [-1,1]^d from rnnopt::Rng rng(seed), in this order:
//   0. only when prior.mixed_kernel: the kernel, Matern-5/2 if rng.uniform() < 0.5 else RBF;
//   1. length-scale(s): nothing for kFixed (ell_j = low); otherwise one draw shared by all
//      dimensions, or d draws (dimension 0 first) when per_dimension: kUniform
//      rng.uniform(low, high), kLogUniform exp(rng.uniform(log(low), log(high)));
//   2. omega row by row, m = 0..M-1: d normals z_0..z_{d-1} (rng.normal()), then for
//      Matern-5/2 five more normals g_0..g_4; omega(m, j) = z_j / ell_j (RBF) or
//      z_j / sqrt((g_0^2 + ... + g_4^2) / 5) / ell_j (Matern-5/2);
//   3. the M phases, rng.uniform(0, 2 pi);
//   4. the M weights, rng.normal();
// and scale = sqrt(2 var / M). Throws std::invalid_argument for d < 1 or an invalid prior.
GpSampleParams draw_gp_params(const GpPrior& prior, int d, std::uint64_t seed);

// A sample as an Objective. Throws std::invalid_argument for d < 1 or an invalid prior.
std::shared_ptr<GpSample> draw_gp_sample(const GpPrior& prior, int d, std::uint64_t seed);

}  // namespace rnnopt::functions
