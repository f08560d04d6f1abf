// rnnopt/baselines/internal/gp.h: the Gaussian-process pieces of the GP baselines (private).
//
// Kernels (Matern-5/2 and RBF of core/kernel.h, ARD), the Beta-CDF input warping of Snoek et al.
// (ICML 2014), and GpPosterior: one GP with fixed hyper-parameters conditioned on data, with a
// cached Cholesky factor that is extended in O(n^2) when a point is added, batched prediction of
// many candidates (matrix products and one triangular solve per block), and prediction with
// gradients for L-BFGS-B. Inputs are unit-cube coordinates; outputs are whatever the caller
// standardised them to.
//
//   GpHypers h = GpHypers::defaults(/*d=*/2);
//   GpPosterior gp(KernelKind::kMatern52, h);
//   gp.fit(X, y);                       // X: n x d rows in [0,1]^d
//   gp.add(x_new, y_new);               // incremental Cholesky
//   PointPrediction p = gp.predict_point(u, /*with_gradient=*/true);
#pragma once

#include <Eigen/Core>
#include <vector>

#include "baselines/gp_options.h"
#include "core/kernel.h"

namespace rnnopt::baselines::internal {

using GpHypers = baselines::GpHypers;

// amp2 * kernel_shape (core/kernel.h) of every entry of r2, in place (vectorised with Eigen's
// packet exp). Its Matern-5/2 is written in s = sqrt(5 r^2), not in core's sqrt5 r (see gp.cpp).
void apply_kernel(KernelKind kernel, double amp2, Eigen::MatrixXd& r2);

// Beta-CDF warping w(u) = I_u(a, b) of u clipped to [0,1], and dw/du (the Beta pdf; a non-finite
// value, at u = 0 or 1 with a or b below 1, is replaced by 1 as in Spearmint).
double beta_warp(double u, double a, double b);
double beta_warp_derivative(double u, double a, double b);
// beta_warp of many points with the same (a, b): exact near 0 and 1, cubic Hermite interpolation
// of exact values and pdfs at 1025 knots in between (error below 1e-7). GpPosterior::transform
// uses it for batches of 4096 points or more (the candidate grid); out must have u's size.
void beta_warp_tabulated(const Eigen::Ref<const Eigen::VectorXd>& u, double a, double b,
                         Eigen::Ref<Eigen::VectorXd> out);

// Predictive moments of the latent (noiseless) function at one point, with gradients in u.
struct PointPrediction {
  double mean = 0.0;
  double var = 0.0;
  Eigen::VectorXd d_mean;  // empty unless requested
  Eigen::VectorXd d_var;
};

// The one rule by which the GP code makes a covariance matrix factorisable: the lower Cholesky
// factor l of a + e I, with e = `extra` first, raised tenfold (to at least 1e-10 * scale) up to 6
// times while the factorisation fails, then made diagonally dominant as a last resort (always
// positive definite). Returns e; adds the number of raises to *trouble.
double cholesky_with_jitter(const Eigen::MatrixXd& a, double extra, double scale,
                            Eigen::MatrixXd& l, int* trouble);

class GpPosterior {
 public:
  // jitter: the fixed stability term added to the diagonal (Spearmint: 1e-6).
  GpPosterior(KernelKind kernel, GpHypers hypers, double jitter = 1e-6);

  // Conditions on the rows of x (n x d, unit cube) and y (n). If the kernel matrix is not
  // positive definite, the jitter is raised tenfold up to 6 times (numerical_trouble() counts
  // it); after that the diagonal is made dominant.
  void fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& y);
  // Adds one point, extending the Cholesky factor by one row (O(n^2)).
  void add(const Eigen::VectorXd& x, double y);

  // The transformed coordinates z = w(u) / ls of the rows of u (m x d).
  Eigen::MatrixXd transform(const Eigen::MatrixXd& u) const;
  // Precomputes L^{-1} so that predict_transformed() uses one matrix product (GEMM) instead of a
  // triangular solve (2-3x faster for many candidates). Not to be called concurrently on one
  // object; afterwards predict_transformed() may run concurrently. add() and fit() undo it.
  void prepare_batch_prediction() const;
  // Latent predictive means and variances at transformed rows z (m x d).
  void predict_transformed(const Eigen::MatrixXd& z, Eigen::VectorXd& mean,
                           Eigen::VectorXd& var) const;
  // The same from unit-cube rows.
  void predict(const Eigen::MatrixXd& u, Eigen::VectorXd& mean, Eigen::VectorXd& var) const;
  PointPrediction predict_point(const Eigen::VectorXd& u, bool with_gradient) const;
  // The joint posterior of the latent function at transformed rows z (m x d): the means (m) and
  // the covariance matrix (m x m, symmetric), for joint draws (Thompson sampling).
  void joint_posterior(const Eigen::MatrixXd& z, Eigen::VectorXd& mean,
                       Eigen::MatrixXd& cov) const;

  // log p(y | x, hypers) of the current data.
  double log_marginal_likelihood() const;

  int size() const { return n_; }
  const GpHypers& hypers() const { return hypers_; }
  KernelKind kernel() const { return kernel_; }
  const Eigen::VectorXd& targets() const { return y_; }
  // The lower Cholesky factor of K + (jitter + noise) I (n x n).
  Eigen::MatrixXd cholesky() const { return l_.topLeftCorner(n_, n_); }
  int numerical_trouble() const { return trouble_; }

 private:
  Eigen::VectorXd transform_point(const Eigen::VectorXd& u) const;
  void update_weights();
  void reserve(int n);

  KernelKind kernel_;
  GpHypers hypers_;
  Eigen::VectorXd inv_ls_;
  double jitter_;
  double diag_extra_ = 0.0;  // jitter + noise (+ any raised jitter)
  int n_ = 0;
  Eigen::MatrixXd z_;        // capacity x d transformed training inputs
  Eigen::VectorXd y_;        // n targets
  Eigen::MatrixXd l_;        // capacity x capacity, lower Cholesky factor in the top-left n x n
  Eigen::VectorXd weights_;  // K^{-1} (y - mean)
  mutable Eigen::MatrixXd l_inv_;  // L^{-1} when prepared
  mutable bool l_inv_ready_ = false;
  int trouble_ = 0;
};

// Expected improvement for minimisation, EI = s (u Phi(u) + phi(u)), u = (target - mean) / s,
// and its derivatives with respect to the mean and the standard deviation s.
struct EiValue {
  double ei = 0.0;
  double d_mean = 0.0;
  double d_sd = 0.0;
};
EiValue expected_improvement(double target, double mean, double sd);

}  // namespace rnnopt::baselines::internal
