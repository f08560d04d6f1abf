#include "baselines/internal/gp.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include "core/kernel.h"

namespace rnnopt::baselines::internal {
namespace {

// Boost.Math's default policy evaluates double functions in long double; computing in double is
// about 7x faster here and still accurate to a few ulps (checked in the warping test).
using FastPolicy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

// Squared distances between the rows of a (m x d) and b (n x d), by one matrix product.
Eigen::MatrixXd squared_distances(const Eigen::Ref<const Eigen::MatrixXd>& a,
                                  const Eigen::Ref<const Eigen::MatrixXd>& b) {
  Eigen::MatrixXd r2 = -2.0 * (a * b.transpose());
  r2.colwise() += a.rowwise().squaredNorm();
  r2.rowwise() += b.rowwise().squaredNorm().transpose();
  return r2.cwiseMax(0.0);
}

// Beta-CDF warping of many points with one (a, b), as when the candidate grid is warped: cubic
// Hermite interpolation between exact values and derivatives at 1025 equally spaced knots on
// [1/64, 1 - 1/64], exact evaluation outside (where a or b below 1 makes the CDF singular).
// Interpolation error: below 1e-7 in w over a, b in [0.1, 10] (checked in the warping test).
// Used for batches of at least kTableMinRows points, where it is about 10x cheaper than exact.
constexpr Eigen::Index kTableMinRows = 4096;

}  // namespace

void beta_warp_tabulated(const Eigen::Ref<const Eigen::VectorXd>& u, double a, double b,
                         Eigen::Ref<Eigen::VectorXd> out) {
  constexpr int kIntervals = 1024;
  constexpr double kEdge = 1.0 / 64.0;
  const double h = (1.0 - 2.0 * kEdge) / kIntervals;
  const double log_beta = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  std::vector<double> value(kIntervals + 1), slope(kIntervals + 1);
  for (int k = 0; k <= kIntervals; ++k) {
    const double x = kEdge + k * h;
    value[k] = boost::math::ibeta(a, b, x, FastPolicy());
    // The Beta pdf times h (the slope in units of the interval).
    slope[k] = h * std::exp((a - 1.0) * std::log(x) + (b - 1.0) * std::log1p(-x) - log_beta);
  }
  for (Eigen::Index i = 0; i < u.size(); ++i) {
    const double x = std::clamp(u[i], 0.0, 1.0);
    if (x < kEdge || x > 1.0 - kEdge) {
      out[i] = beta_warp(x, a, b);
      continue;
    }
    const double pos = (x - kEdge) / h;
    const int k = std::min(static_cast<int>(pos), kIntervals - 1);
    const double t = pos - k;
    const double t2 = t * t, t3 = t2 * t;
    out[i] = (2 * t3 - 3 * t2 + 1) * value[k] + (t3 - 2 * t2 + t) * slope[k] +
             (-2 * t3 + 3 * t2) * value[k + 1] + (t3 - t2) * slope[k + 1];
  }
}

void apply_kernel(KernelKind kernel, double amp2, Eigen::MatrixXd& r2) {
  auto a = r2.array();
  if (kernel == KernelKind::kRbf) {
    a = amp2 * (-0.5 * a).exp();
    return;
  }
  // Matern-5/2 in s = sqrt(5 r^2): the same kernel as core's apply_kernel_shape, which computes
  // sqrt5 sqrt(r^2) and (5/3) r^2 instead. The two differ in the last bits; switching would change
  // the GP baselines' traces, which were recorded with this form.
  const Eigen::ArrayXXd s = (5.0 * a).sqrt();
  a = amp2 * (1.0 + s + s.square() * (1.0 / 3.0)) * (-s).exp();
}

double beta_warp(double u, double a, double b) {
  u = std::clamp(u, 0.0, 1.0);
  if (u == 0.0) return 0.0;
  if (u == 1.0) return 1.0;
  return boost::math::ibeta(a, b, u, FastPolicy());
}

double beta_warp_derivative(double u, double a, double b) {
  u = std::clamp(u, 0.0, 1.0);
  double p;
  try {
    p = boost::math::ibeta_derivative(a, b, u, FastPolicy());
  } catch (const std::exception&) {
    p = 1.0;  // overflow at an end point with a or b below 1
  }
  return std::isfinite(p) ? p : 1.0;
}

double cholesky_with_jitter(const Eigen::MatrixXd& a, double extra, double scale,
                            Eigen::MatrixXd& l, int* trouble) {
  for (int attempt = 0;; ++attempt) {
    Eigen::MatrixXd b = a;
    b.diagonal().array() += extra;
    Eigen::LLT<Eigen::MatrixXd> llt(b);
    if (llt.info() == Eigen::Success) {
      l = llt.matrixL();
      return extra;
    }
    ++*trouble;
    if (attempt < 6) {
      extra = std::max(10.0 * extra, 1e-10 * scale);
    } else {
      // Last resort: a diagonally dominant matrix is always positive definite.
      extra += b.cwiseAbs().rowwise().sum().maxCoeff();
    }
  }
}

GpPosterior::GpPosterior(KernelKind kernel, GpHypers hypers, double jitter)
    : kernel_(kernel), hypers_(std::move(hypers)), jitter_(jitter) {
  inv_ls_ = hypers_.ls.cwiseInverse();
  // 0 x d, so that fit() on no data assigns a 0 x d block (found by the sanitizer pass's asserts).
  z_.resize(0, hypers_.dim());
  diag_extra_ = jitter_ + hypers_.noise;
}

Eigen::VectorXd GpPosterior::transform_point(const Eigen::VectorXd& u) const {
  Eigen::VectorXd z(u.size());
  for (Eigen::Index j = 0; j < u.size(); ++j) {
    const double w = hypers_.warp ? beta_warp(u[j], hypers_.alpha[j], hypers_.beta[j])
                                  : std::clamp(u[j], 0.0, 1.0);
    z[j] = w * inv_ls_[j];
  }
  return z;
}

Eigen::MatrixXd GpPosterior::transform(const Eigen::MatrixXd& u) const {
  Eigen::MatrixXd z(u.rows(), u.cols());
  if (hypers_.warp && u.rows() >= kTableMinRows) {
    for (Eigen::Index j = 0; j < u.cols(); ++j) {
      beta_warp_tabulated(u.col(j), hypers_.alpha[j], hypers_.beta[j], z.col(j));
      z.col(j) *= inv_ls_[j];
    }
    return z;
  }
  for (Eigen::Index j = 0; j < u.cols(); ++j) {
    for (Eigen::Index i = 0; i < u.rows(); ++i) {
      const double w = hypers_.warp ? beta_warp(u(i, j), hypers_.alpha[j], hypers_.beta[j])
                                    : std::clamp(u(i, j), 0.0, 1.0);
      z(i, j) = w * inv_ls_[j];
    }
  }
  return z;
}

void GpPosterior::reserve(int n) {
  if (n <= l_.rows()) return;
  const int cap = std::max(n, 2 * static_cast<int>(l_.rows()) + 8);
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(cap, cap);
  l.topLeftCorner(n_, n_) = l_.topLeftCorner(n_, n_);
  l_.swap(l);
  Eigen::MatrixXd z(cap, hypers_.dim());
  // (z_ starts 0 x 0: nothing to copy, and the blocks' shapes differ, which Eigen asserts.)
  if (n_ > 0) z.topRows(n_) = z_.topRows(n_);
  z_.swap(z);
}

void GpPosterior::fit(const Eigen::MatrixXd& x, const Eigen::VectorXd& y) {
  if (x.rows() != y.size() || x.cols() != hypers_.dim()) {
    throw std::invalid_argument("GpPosterior::fit(): inconsistent data sizes");
  }
  n_ = 0;
  reserve(static_cast<int>(x.rows()));
  n_ = static_cast<int>(x.rows());
  z_.topRows(n_) = transform(x);
  y_ = y;
  const auto z = z_.topRows(n_);
  Eigen::MatrixXd k = squared_distances(z, z);
  apply_kernel(kernel_, hypers_.amp2, k);
  Eigen::MatrixXd l;
  diag_extra_ = cholesky_with_jitter(k, jitter_ + hypers_.noise, hypers_.amp2, l, &trouble_);
  l_.topLeftCorner(n_, n_) = l;
  update_weights();
}

void GpPosterior::add(const Eigen::VectorXd& x, double y) {
  reserve(n_ + 1);
  const Eigen::VectorXd z = transform_point(x);
  Eigen::VectorXd k(n_);
  for (int i = 0; i < n_; ++i) {
    k[i] = hypers_.amp2 * kernel_shape(kernel_, (z_.row(i).transpose() - z).squaredNorm());
  }
  // New last row of L: l = L^{-1} k, diagonal sqrt(k(x,x) + extra - l.l).
  Eigen::VectorXd l = k;
  if (n_ > 0) l_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solveInPlace(l);
  double d2 = hypers_.amp2 + diag_extra_ - l.squaredNorm();
  if (!(d2 > 1e-12 * hypers_.amp2)) {
    // A (near) duplicate of an earlier point: keep the factor valid with extra jitter here.
    ++trouble_;
    d2 = std::max(d2, 0.0) + std::max(diag_extra_, 1e-10 * hypers_.amp2);
  }
  l_.row(n_).head(n_) = l.transpose();
  l_(n_, n_) = std::sqrt(d2);
  z_.row(n_) = z.transpose();
  y_.conservativeResize(n_ + 1);
  y_[n_] = y;
  ++n_;
  update_weights();
}

void GpPosterior::update_weights() {
  l_inv_ready_ = false;
  const auto l = l_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>();
  weights_ = y_.array() - hypers_.mean;
  l.solveInPlace(weights_);
  l.transpose().solveInPlace(weights_);
}

void GpPosterior::predict_transformed(const Eigen::MatrixXd& z, Eigen::VectorXd& mean,
                                      Eigen::VectorXd& var) const {
  const Eigen::Index m = z.rows();
  if (n_ == 0) {
    mean = Eigen::VectorXd::Constant(m, hypers_.mean);
    var = Eigen::VectorXd::Constant(m, hypers_.amp2);
    return;
  }
  Eigen::MatrixXd kc = squared_distances(z, z_.topRows(n_));
  apply_kernel(kernel_, hypers_.amp2, kc);
  mean = (kc * weights_).array() + hypers_.mean;
  if (l_inv_ready_) {
    Eigen::MatrixXd w;
    w.noalias() = kc * l_inv_.transpose();  // rows: (L^{-1} k)^T
    var = (hypers_.amp2 - w.rowwise().squaredNorm().array()).cwiseMax(0.0);
    return;
  }
  Eigen::MatrixXd v = kc.transpose();
  l_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solveInPlace(v);
  var = (hypers_.amp2 - v.colwise().squaredNorm().array()).cwiseMax(0.0).transpose();
}

void GpPosterior::joint_posterior(const Eigen::MatrixXd& z, Eigen::VectorXd& mean,
                                  Eigen::MatrixXd& cov) const {
  cov = squared_distances(z, z);
  apply_kernel(kernel_, hypers_.amp2, cov);
  if (n_ == 0) {
    mean = Eigen::VectorXd::Constant(z.rows(), hypers_.mean);
    return;
  }
  Eigen::MatrixXd kc = squared_distances(z, z_.topRows(n_));
  apply_kernel(kernel_, hypers_.amp2, kc);
  mean = (kc * weights_).array() + hypers_.mean;
  // K_cc - K_cx K_xx^{-1} K_xc = K_cc - V^T V with V = L^{-1} K_xc.
  Eigen::MatrixXd v = kc.transpose();
  l_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solveInPlace(v);
  cov.noalias() -= v.transpose() * v;
  cov = 0.5 * (cov + cov.transpose()).eval();
}

void GpPosterior::prepare_batch_prediction() const {
  if (l_inv_ready_) return;
  l_inv_ = Eigen::MatrixXd::Identity(n_, n_);
  l_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solveInPlace(l_inv_);
  l_inv_ready_ = true;
}

void GpPosterior::predict(const Eigen::MatrixXd& u, Eigen::VectorXd& mean,
                          Eigen::VectorXd& var) const {
  predict_transformed(transform(u), mean, var);
}

PointPrediction GpPosterior::predict_point(const Eigen::VectorXd& u, bool with_gradient) const {
  PointPrediction p;
  const int d = hypers_.dim();
  const Eigen::VectorXd z = transform_point(u);
  Eigen::VectorXd k(n_), dk(n_);  // k_i and dk_i / dr2_i
  for (int i = 0; i < n_; ++i) {
    const double r2 = (z_.row(i).transpose() - z).squaredNorm();
    k[i] = hypers_.amp2 * kernel_shape(kernel_, r2);
    if (with_gradient) dk[i] = hypers_.amp2 * kernel_shape_d_r2(kernel_, r2);
  }
  p.mean = hypers_.mean + (n_ > 0 ? k.dot(weights_) : 0.0);
  Eigen::VectorXd v = k;
  if (n_ > 0) l_.topLeftCorner(n_, n_).triangularView<Eigen::Lower>().solveInPlace(v);
  p.var = std::max(hypers_.amp2 - v.squaredNorm(), 0.0);
  if (!with_gradient) return p;
  // dk_i/dz = dk_i/dr2 * 2 (z - z_i); d mean/dz = sum_i w_i dk_i/dz;
  // d var/dz = -2 sum_i q_i dk_i/dz with q = K^{-1} k = L^{-T} v.
  Eigen::VectorXd q = v;
  if (n_ > 0) l_.topLeftCorner(n_, n_).transpose().triangularView<Eigen::Upper>().solveInPlace(q);
  Eigen::VectorXd dz_mean = Eigen::VectorXd::Zero(d), dz_var = Eigen::VectorXd::Zero(d);
  for (int i = 0; i < n_; ++i) {
    const Eigen::VectorXd g = 2.0 * dk[i] * (z - z_.row(i).transpose());
    dz_mean += weights_[i] * g;
    dz_var -= 2.0 * q[i] * g;
  }
  // Chain rule through z_j = w_j(u_j) / ls_j.
  Eigen::VectorXd dz_du(d);
  for (int j = 0; j < d; ++j) {
    const double dw =
        hypers_.warp ? beta_warp_derivative(u[j], hypers_.alpha[j], hypers_.beta[j]) : 1.0;
    dz_du[j] = dw * inv_ls_[j];
  }
  p.d_mean = dz_mean.cwiseProduct(dz_du);
  p.d_var = dz_var.cwiseProduct(dz_du);
  return p;
}

double GpPosterior::log_marginal_likelihood() const {
  const Eigen::VectorXd r = y_.array() - hypers_.mean;
  const double log_det = l_.topLeftCorner(n_, n_).diagonal().array().log().sum();
  return -0.5 * r.dot(weights_) - log_det - 0.5 * n_ * std::log(2.0 * std::numbers::pi);
}

EiValue expected_improvement(double target, double mean, double sd) {
  EiValue e;
  if (!(sd > 1e-12)) {
    e.ei = std::max(target - mean, 0.0);
    e.d_mean = target > mean ? -1.0 : 0.0;
    return e;
  }
  const double u = (target - mean) / sd;
  const double cdf = 0.5 * std::erfc(-u * std::numbers::sqrt2 / 2.0);
  const double pdf = std::exp(-0.5 * u * u) / std::sqrt(2.0 * std::numbers::pi);
  e.ei = sd * (u * cdf + pdf);
  e.d_mean = -cdf;
  e.d_sd = pdf;
  return e;
}

}  // namespace rnnopt::baselines::internal
