// rnnopt/optimizer/internal/acq_features.h: the history, candidates and per-candidate features of
// the learned acquisition-head models (optimizer/MODEL_FORMAT.md section 7). Private to the engine,
// and shared verbatim with the meta-trainer (meta_train/acq_trainer.cpp), so that a model sees at
// run time exactly the numbers it was trained on.
//
//   AcqConfig cfg = ...;                      // from the manifest's "acquisition" block
//   AcqHistory h(cfg);
//   h.add(x, y);                              // canonical x in [-1,1]^d, raw finite y
//   Eigen::MatrixXd C;                        // d x K candidates
//   h.draw_candidates(rng, C);
//   AcqHistory::FeatureMatrix F;              // K x feature_width(), float, row-major
//   h.features(C, F);
//
// Everything is in double precision except the final float feature matrix.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/rng.h"

namespace rnnopt::internal {

// The GP posteriors below use k(x, x') = variance * kernel_shape(kind, r^2) (core/kernel.h),
// r^2 = sum_j ((x_j - x'_j) / ell_j)^2.
struct AcqKernel {
  KernelKind kind = KernelKind::kRbf;
  double length_scale = 0.3;  // isotropic, in canonical coordinates
};

// The fixed part of the design (the manifest's "acquisition" block, MODEL_FORMAT.md section 7).
struct AcqConfig {
  int d = 2;
  int uniform_candidates = 256;
  int local_candidates = 64;
  std::vector<double> local_scales{0.2, 0.05, 0.01, 0.002};
  int neighbours = 2;
  std::vector<AcqKernel> kernels;  // the reference bank of GP posteriors
  double jitter = 1e-4;            // relative diagonal term of the bank's GPs
  // How observed values enter (y~): kRank, normal scores of the ranks (invariant to any increasing
  // map of y); kStandard, (y - mean) / (population sd + 1e-6) over the values so far; kPower, the
  // standardised values through the Yeo-Johnson transform of maximum likelihood, standardised
  // again (heavy-tailed or skewed objectives look Gaussian to the features; MODEL_FORMAT.md 7).
  enum class Values { kRank, kStandard, kPower };
  Values values = Values::kRank;
  // Three more features per candidate: the bank's posteriors averaged with the weights
  // w_b = softmax_b(log marginal likelihood of y~ under kernel b) (MODEL_FORMAT.md section 7).
  bool evidence = false;
  // Three more features per candidate (after the evidence ones): the posterior under a kernel
  // fitted to the values by type-II maximum likelihood, per-dimension length-scales found by a
  // fixed coordinate search (MODEL_FORMAT.md section 7).
  bool fitted = false;

  int candidates() const { return uniform_candidates + local_candidates; }
  // Per-candidate feature width: 2d + 2 + 3 neighbours + 4 + 3 kernels (+ 3 with evidence, + 3
  // fitted).
  int feature_width() const;
  // Width of the recurrent network's input per observation: x (d), y~, best y~, budget.
  int step_width() const { return d + 3; }
  // Empty when valid, else the first problem ("uniform_candidates must be >= 1", ...).
  std::string problem() const;
};

// A noise-free GP posterior (zero prior mean) over a growing set of points, its Cholesky factor
// extended by one row per point: new row v = L^{-1} k, diagonal sqrt(k(x,x)(1 + jitter) - v.v),
// floored at sqrt(k(x,x) jitter) so that a repeated point cannot break the factor.
class GpFactor {
 public:
  GpFactor(KernelKind kind, Eigen::VectorXd length_scales, double variance, double jitter);
  // Appends point x (d values; X holds the points added so far as columns, x not yet among them).
  void add(const Eigen::MatrixXd& X, int n, const double* x);
  int size() const { return n_; }
  // Posterior mean and standard deviation at the columns of C given values y (size() entries) at
  // the first size() columns of X. Requires size() >= 1.
  void posterior(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::MatrixXd& C,
                 Eigen::VectorXd& mean, Eigen::VectorXd& sd);
  double variance() const { return variance_; }
  // log N(y | 0, K + jitter) of the values given to the latest posterior() call:
  // -|L^{-1} y|^2 / 2 - sum_i log L_ii - n log(2 pi) / 2.
  double log_marginal() const { return log_marginal_; }

 private:
  double k(const double* a, const double* b) const;

  KernelKind kind_;
  Eigen::VectorXd inv_ell_;
  double variance_;
  double jitter_;
  Eigen::MatrixXd L_;  // lower factor, n_ x n_ used (capacity grows)
  int n_ = 0;
  Eigen::MatrixXd ks_;  // scratch n x K
  Eigen::VectorXd alpha_;
  double log_marginal_ = 0.0;
};

// log N(y | 0, K + jitter I) for K = k(X_i, X_j) of the first n columns of X (variance 1, diagonal
// 1 + jitter), by a Cholesky factorisation; -infinity when K + jitter I is not positive definite.
double gp_log_marginal(KernelKind kind, const Eigen::VectorXd& length_scales,
                       const Eigen::MatrixXd& X, int n, const Eigen::VectorXd& y, double jitter);

// The kernel of MODEL_FORMAT.md section 7's fitted features: starting from the bank kernel of
// highest log marginal likelihood (RBF, length-scale 0.3 without a bank), two rounds over the
// dimensions of a pattern search on each log length-scale (MODEL_FORMAT.md section 7; range
// [0.02, 5], strict improvements of gp_log_marginal only); then the other kernel kind with the
// found length-scales, kept on a strict improvement.
struct FittedKernel {
  KernelKind kind = KernelKind::kRbf;
  Eigen::VectorXd length_scales;
  double log_marginal = 0.0;
};
FittedKernel fit_kernel(KernelKind start_kind, double start_length_scale, const Eigen::MatrixXd& X,
                        int n, const Eigen::VectorXd& y, double jitter);

// log EI(best - mu, sd) for minimisation: log of sd * (z Phi(z) + phi(z)), z = (best - mu) / sd,
// finite where EI underflows (z <= -5: the asymptotic series of the Mills ratio).
double log_expected_improvement(double mu, double sd, double best);
// The standard normal quantile Phi^{-1}(p), p in (0, 1) (a rational start refined by Newton).
double normal_quantile(double p);

// Observations in canonical coordinates with their value transform y~ (AcqConfig::values; for
// kRank, y~_i = Phi^{-1}((r_i + 0.5) / n), ties averaged; 0 for n = 1), the bank's GP factors, and
// the feature computation of MODEL_FORMAT.md section 7.
class AcqHistory {
 public:
  using FeatureMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  explicit AcqHistory(const AcqConfig& config);

  // Adds an observation: x canonical (d doubles), y raw and finite.
  void add(const double* x, double y);
  int size() const { return n_; }
  const AcqConfig& config() const { return *config_; }
  // Points as columns (d x capacity; the first size() are used), raw values, transformed values.
  const Eigen::MatrixXd& points() const { return X_; }
  const std::vector<double>& values() const { return y_; }
  const Eigen::VectorXd& scores() const { return s_; }
  // Index of the lowest raw value (earliest on ties); requires size() >= 1.
  int best() const { return best_; }
  // The Yeo-Johnson exponent of the latest values (kPower with size() >= 3; else 1, the identity).
  double power_lambda() const { return power_lambda_; }

  // The recurrent input for the latest observation: x (d), its y~, best y~, size() / horizon.
  // Requires size() >= 1; out has config().step_width() floats.
  void step_input(int horizon, float* out) const;
  // Candidates as the columns of C (d x candidates()): uniform points of [-1,1]^d (d uniforms
  // each, in order), then local points x_best + s_{i mod S} N(0, I) clipped to the box (d normals
  // each). Requires size() >= 1.
  void draw_candidates(Rng& rng, Eigen::MatrixXd& C) const;
  // The features of each candidate (one row each). Requires size() >= 1.
  void features(const Eigen::MatrixXd& C, FeatureMatrix& F);

 private:
  void update_scores();
  // kStandard: s_ = (y - mean) / (population sd + 1e-6), without overflow for huge values.
  void standardise_scores();
  // kPower: s_ holds the standardised values; replaces them by the standardised Yeo-Johnson
  // transform and records its exponent in power_lambda_.
  void apply_power_transform();

  const AcqConfig* config_;
  Eigen::MatrixXd X_;
  std::vector<double> y_;
  Eigen::VectorXd s_;
  int n_ = 0;
  int best_ = 0;
  double power_lambda_ = 1.0;
  std::vector<GpFactor> bank_;
  // scratch
  Eigen::VectorXd mean_, sd_;
  std::vector<double> weight_, log_weight_, log_ei_;  // per reference kernel
  Eigen::MatrixXd dist_;
  std::vector<double> nn_;
  Eigen::VectorXd fit_mean_, fit_sd_;

 public:
  // The kernel fitted at the latest features() call (config().fitted only).
  const FittedKernel& fitted_kernel() const { return fitted_; }

 private:
  FittedKernel fitted_;
};

}  // namespace rnnopt::internal
