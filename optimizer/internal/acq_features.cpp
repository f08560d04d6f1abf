#include "optimizer/internal/acq_features.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace rnnopt::internal {
namespace {

constexpr double kInvSqrt2Pi = 0.3989422804014327;
constexpr double kLogSqrt2Pi = 0.9189385332046727;
constexpr double kLogEiFloor = -30.0;
constexpr double kMissingDistance = 3.0;  // a neighbour that does not exist yet (n < neighbours)
// The fitted length-scales' range.
constexpr double kMinFittedScale = 0.02, kMaxFittedScale = 5.0;

double phi(double z) { return kInvSqrt2Pi * std::exp(-0.5 * z * z); }
double big_phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace

int AcqConfig::feature_width() const {
  return 2 * d + 2 + 3 * neighbours + 4 + 3 * static_cast<int>(kernels.size()) +
         (evidence ? 3 : 0) + (fitted ? 3 : 0);
}

std::string AcqConfig::problem() const {
  if (d < 1) return "d must be >= 1";
  if (uniform_candidates < 1 || uniform_candidates > 1'000'000) {
    return "uniform_candidates must be in [1, 1e6]";
  }
  if (local_candidates < 0 || local_candidates > 1'000'000) {
    return "local_candidates must be in [0, 1e6]";
  }
  if (local_candidates > 0 && local_scales.empty()) return "local_scales is empty";
  if (local_scales.size() > 64) return "local_scales has more than 64 entries";
  for (double s : local_scales) {
    if (!std::isfinite(s) || !(s > 0.0) || s > 10.0) return "local_scales must be in (0, 10]";
  }
  if (neighbours < 0 || neighbours > 64) return "neighbours must be in [0, 64]";
  if (kernels.size() > 32) return "kernels has more than 32 entries";
  for (const AcqKernel& k : kernels) {
    if (!std::isfinite(k.length_scale) || !(k.length_scale > 0.0) || k.length_scale > 1e3) {
      return "kernel length_scale must be in (0, 1000]";
    }
  }
  if (!std::isfinite(jitter) || !(jitter > 0.0) || jitter > 1.0) return "jitter must be in (0, 1]";
  if (evidence && kernels.empty()) return "evidence needs at least one reference kernel";
  return "";
}

double normal_quantile(double p) {
  if (!(p > 0.0)) return -INFINITY;
  if (!(p < 1.0)) return INFINITY;
  // Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4) as the start, then Newton steps on Phi.
  const double q = p < 0.5 ? p : 1.0 - p;
  const double t = std::sqrt(-2.0 * std::log(q));
  double z = t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                     (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
  if (p < 0.5) z = -z;
  for (int i = 0; i < 3; ++i) {
    const double dens = phi(z);
    if (!(dens > 0.0)) break;
    z -= (big_phi(z) - p) / dens;
  }
  return z;
}

double log_expected_improvement(double mu, double sd, double best) {
  const double z = (best - mu) / sd;
  if (z > -5.0) {
    const double h = z * big_phi(z) + phi(z);
    return std::log(sd) + std::log(std::max(h, 1e-300));
  }
  // EI = sd phi(z) (1 - x R(x)) with x = -z and R the Mills ratio; its asymptotic series gives
  // 1 - x R(x) = x^-2 (1 - 3 x^-2 + 15 x^-4 - 105 x^-6 + 945 x^-8 ...).
  const double x2 = z * z;
  const double u = 1.0 / x2;
  const double series = 1.0 + u * (-3.0 + u * (15.0 + u * (-105.0 + u * 945.0)));
  return std::log(sd) - 0.5 * x2 - kLogSqrt2Pi - std::log(x2) + std::log(series);
}

GpFactor::GpFactor(KernelKind kind, Eigen::VectorXd length_scales, double variance, double jitter)
    : kind_(kind), inv_ell_(length_scales.cwiseInverse()), variance_(variance), jitter_(jitter) {}

double GpFactor::k(const double* a, const double* b) const {
  double r2 = 0.0;
  for (Eigen::Index j = 0; j < inv_ell_.size(); ++j) {
    const double t = (a[j] - b[j]) * inv_ell_[j];
    r2 += t * t;
  }
  return variance_ * kernel_shape(kind_, r2);
}

void GpFactor::add(const Eigen::MatrixXd& X, int n, const double* x) {
  if (n + 1 > L_.rows()) {
    const Eigen::Index cap = std::max<Eigen::Index>(16, 2 * (n + 1));
    Eigen::MatrixXd grown = Eigen::MatrixXd::Zero(cap, cap);
    grown.topLeftCorner(n_, n_) = L_.topLeftCorner(n_, n_);
    L_.swap(grown);
  }
  double diag2 = variance_ * (1.0 + jitter_);
  if (n > 0) {
    Eigen::VectorXd v(n);
    for (int i = 0; i < n; ++i) v[i] = k(X.col(i).data(), x);
    L_.topLeftCorner(n, n).triangularView<Eigen::Lower>().solveInPlace(v);
    L_.row(n).head(n) = v.transpose();
    diag2 -= v.squaredNorm();
  }
  L_(n, n) = std::sqrt(std::max(diag2, variance_ * jitter_));
  n_ = n + 1;
}

void GpFactor::posterior(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                         const Eigen::MatrixXd& C, Eigen::VectorXd& mean, Eigen::VectorXd& sd) {
  const int n = n_;
  const Eigen::Index K = C.cols();
  // Kernel matrix in bulk: scaled squared distances from one GEMM (|x|^2 + |c|^2 - 2 x.c, clamped
  // at 0 against round-off), then the kernel as vectorised array operations.
  const Eigen::MatrixXd xs = inv_ell_.asDiagonal() * X.leftCols(n);
  const Eigen::MatrixXd cs = inv_ell_.asDiagonal() * C;
  ks_.noalias() = -2.0 * xs.transpose() * cs;
  ks_.colwise() += xs.colwise().squaredNorm().transpose();
  ks_.rowwise() += cs.colwise().squaredNorm();
  ks_ = ks_.cwiseMax(0.0);
  apply_kernel_shape(kind_, variance_, ks_);
  const auto L = L_.topLeftCorner(n, n).triangularView<Eigen::Lower>();
  alpha_ = y.head(n);
  L.solveInPlace(alpha_);
  log_marginal_ = -0.5 * alpha_.squaredNorm() - n * kLogSqrt2Pi;
  for (int i = 0; i < n; ++i) log_marginal_ -= std::log(L_(i, i));
  L.transpose().solveInPlace(alpha_);
  mean.noalias() = ks_.transpose() * alpha_;
  L.solveInPlace(ks_);
  sd.resize(K);
  for (Eigen::Index c = 0; c < K; ++c) {
    const double var = variance_ - ks_.col(c).squaredNorm();
    sd[c] = std::sqrt(std::max(var, variance_ * 1e-12));
  }
}

double gp_log_marginal(KernelKind kind, const Eigen::VectorXd& length_scales,
                       const Eigen::MatrixXd& X, int n, const Eigen::VectorXd& y, double jitter) {
  const Eigen::MatrixXd xs = length_scales.cwiseInverse().asDiagonal() * X.leftCols(n);
  Eigen::MatrixXd K = -2.0 * xs.transpose() * xs;
  const Eigen::VectorXd sq = xs.colwise().squaredNorm().transpose();
  K.colwise() += sq;
  K.rowwise() += sq.transpose();
  K = K.cwiseMax(0.0);
  apply_kernel_shape(kind, 1.0, K);  // (1.0 * k is exactly k)
  K.diagonal().array() = 1.0 + jitter;
  const Eigen::LLT<Eigen::MatrixXd> llt(K);
  if (llt.info() != Eigen::Success) return -INFINITY;
  const Eigen::VectorXd a = llt.matrixL().solve(y.head(n));
  double lm = -0.5 * a.squaredNorm() - n * kLogSqrt2Pi;
  for (int i = 0; i < n; ++i) lm -= std::log(llt.matrixL()(i, i));
  return std::isfinite(lm) ? lm : -INFINITY;
}

FittedKernel fit_kernel(KernelKind start_kind, double start_length_scale, const Eigen::MatrixXd& X,
                        int n, const Eigen::VectorXd& y, double jitter) {
  const int d = static_cast<int>(X.rows());
  FittedKernel f;
  f.kind = start_kind;
  f.length_scales = Eigen::VectorXd::Constant(d, start_length_scale);
  f.log_marginal = gp_log_marginal(f.kind, f.length_scales, X, n, y, jitter);
  // Two rounds over the dimensions; in each, a pattern search on log lambda_j: steps of factor 2,
  // then of sqrt 2, each first upwards while that improves, else downwards while that improves.
  Eigen::VectorXd trial;
  for (int round = 0; round < 2; ++round) {
    for (int j = 0; j < d; ++j) {
      for (double step : {2.0, 1.4142135623730951}) {
        for (double m : {step, 1.0 / step}) {
          bool moved = false;
          for (;;) {
            trial = f.length_scales;
            trial[j] = std::clamp(trial[j] * m, kMinFittedScale, kMaxFittedScale);
            if (trial[j] == f.length_scales[j]) break;
            const double lm = gp_log_marginal(f.kind, trial, X, n, y, jitter);
            if (!(lm > f.log_marginal)) break;
            f.log_marginal = lm;
            f.length_scales = trial;
            moved = true;
          }
          if (moved) break;  // went upwards: no need to try downwards
        }
      }
    }
  }
  const KernelKind other = f.kind == KernelKind::kRbf ? KernelKind::kMatern52 : KernelKind::kRbf;
  const double lm = gp_log_marginal(other, f.length_scales, X, n, y, jitter);
  if (lm > f.log_marginal) {
    f.log_marginal = lm;
    f.kind = other;
  }
  return f;
}

AcqHistory::AcqHistory(const AcqConfig& config) : config_(&config) {
  for (const AcqKernel& kern : config.kernels) {
    bank_.emplace_back(kern.kind, Eigen::VectorXd::Constant(config.d, kern.length_scale), 1.0,
                       config.jitter);
  }
}

void AcqHistory::add(const double* x, double y) {
  const int d = config_->d;
  if (n_ + 1 > X_.cols()) {
    Eigen::MatrixXd grown(d, std::max<Eigen::Index>(16, 2 * (n_ + 1)));
    // (X_ starts 0 x 0: its first growth copies nothing; the shapes differ, which Eigen asserts.)
    if (n_ > 0) grown.leftCols(n_) = X_.leftCols(n_);
    X_.swap(grown);
  }
  for (GpFactor& g : bank_) g.add(X_, n_, x);
  for (int j = 0; j < d; ++j) X_(j, n_) = x[j];
  y_.push_back(y);
  if (n_ == 0 || y < y_[best_]) best_ = n_;
  ++n_;
  update_scores();
}

void AcqHistory::standardise_scores() {
  const int n = n_;
  double mean = 0.0;
  for (double v : y_) mean += v;
  mean /= n;
  double var = 0.0;
  for (double v : y_) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / n);
  if (std::isfinite(sd)) {
    const double scale = 1.0 / (sd + 1e-6);
    for (int i = 0; i < n; ++i) s_[i] = (y_[i] - mean) * scale;
    return;
  }
  // Values of huge magnitude (a sum or a spread beyond ~1e154): the sum or the squares
  // overflowed, which made every score NaN (random fallback proposals). The same formula
  // without overflow, on the halves h = y / 2 (exact at these magnitudes): a running mean, the
  // deviations scaled by the largest, and ỹ = (h - mean_h) / (sd_h + 10^-6 / 2). Ordinary values
  // never come here, so their scores are bit for bit those of the direct formula above.
  double half_mean = 0.0;
  for (int i = 0; i < n; ++i) half_mean += (0.5 * y_[i] - half_mean) / (i + 1);
  double top = 0.0;
  for (double v : y_) top = std::max(top, std::abs(0.5 * v - half_mean));
  if (top == 0.0) {  // all values equal
    std::fill(s_.begin(), s_.end(), 0.0);
    return;
  }
  double sum = 0.0;
  for (double v : y_) {
    const double u = (0.5 * v - half_mean) / top;
    sum += u * u;
  }
  const double half_scale = 1.0 / (top * std::sqrt(sum / n) + 0.5e-6);
  for (int i = 0; i < n; ++i) s_[i] = (0.5 * y_[i] - half_mean) * half_scale;
}

namespace {

// The Yeo-Johnson transform (Yeo and Johnson 2000, Biometrika 87(4), section 2) of z, exponent
// lambda: ((z + 1)^lambda - 1) / lambda for z >= 0 (log(z + 1) at lambda 0), and
// -((1 - z)^(2 - lambda) - 1) / (2 - lambda) for z < 0 (-log(1 - z) at lambda 2).
double yeo_johnson(double z, double lambda) {
  if (z >= 0.0) {
    return std::abs(lambda) < 1e-12 ? std::log1p(z) : std::expm1(lambda * std::log1p(z)) / lambda;
  }
  const double mu = 2.0 - lambda;
  return std::abs(mu) < 1e-12 ? -std::log1p(-z) : -std::expm1(mu * std::log1p(-z)) / mu;
}

// The profile log-likelihood of lambda for a normal model of the transformed values, up to a
// constant: -(n/2) log(population variance of psi(z)) + (lambda - 1) * jacobian, with jacobian =
// sum_i sign(z_i) log(|z_i| + 1). -inf when the transformed values are all equal or not finite.
// w: scratch of z's size, left holding psi(z).
double yeo_johnson_log_likelihood(const Eigen::VectorXd& z, double jacobian, double lambda,
                                  Eigen::VectorXd& w) {
  const Eigen::Index n = z.size();
  double mean = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) mean += w[i] = yeo_johnson(z[i], lambda);
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double u = w[i] - mean;
    var += u * u;
  }
  var /= static_cast<double>(n);
  if (!(var > 0.0) || !std::isfinite(var)) return -INFINITY;
  return -0.5 * static_cast<double>(n) * std::log(var) + (lambda - 1.0) * jacobian;
}

}  // namespace

void AcqHistory::apply_power_transform() {
  const int n = n_;
  power_lambda_ = 1.0;
  if (n < 3) return;  // the identity: s_ stays standardised
  const Eigen::VectorXd z = s_;
  double jacobian = 0.0;
  for (int i = 0; i < n; ++i) jacobian += std::copysign(std::log1p(std::abs(z[i])), z[i]);
  // Coarse grid lambda = -2, -1.75, ..., 1, then a fine grid of step 0.025 within 0.25 of the
  // coarse winner (clamped to [-2, 1]); the first maximum wins on ties at each stage. lambda <= 1
  // only ever compresses the upper tail: the low values, where a minimum is refined, keep their
  // spread (lambda > 1 would compress the lower tail of left-skewed values).
  double best = 1.0;
  double best_ll = -INFINITY;
  Eigen::VectorXd w(n);
  const auto consider = [&](double lambda) {
    const double ll = yeo_johnson_log_likelihood(z, jacobian, lambda, w);
    if (ll > best_ll) {
      best_ll = ll;
      best = lambda;
    }
  };
  for (int k = 0; k <= 12; ++k) consider(-2.0 + 0.25 * k);
  if (best_ll == -INFINITY) return;  // all values equal: s_ is 0 already
  const double centre = best;
  for (int k = -10; k <= 10; ++k) {
    const double lambda = centre + 0.025 * k;
    if (lambda >= -2.0 && lambda <= 1.0 && k != 0) consider(lambda);
  }
  power_lambda_ = best;
  double mean = 0.0;
  for (int i = 0; i < n; ++i) mean += s_[i] = yeo_johnson(z[i], best);
  mean /= n;
  double var = 0.0;
  for (int i = 0; i < n; ++i) var += (s_[i] - mean) * (s_[i] - mean);
  const double scale = 1.0 / (std::sqrt(var / n) + 1e-6);
  for (int i = 0; i < n; ++i) s_[i] = (s_[i] - mean) * scale;
}

void AcqHistory::update_scores() {
  const int n = n_;
  s_.resize(n);
  if (n == 1) {
    s_[0] = 0.0;
    return;
  }
  if (config_->values == AcqConfig::Values::kStandard) {
    standardise_scores();
    return;
  }
  if (config_->values == AcqConfig::Values::kPower) {
    standardise_scores();
    apply_power_transform();
    return;
  }
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return y_[a] < y_[b]; });
  for (int i = 0; i < n;) {
    int j = i;
    while (j + 1 < n && y_[order[j + 1]] == y_[order[i]]) ++j;
    const double rank = 0.5 * (i + j);  // ties share the average rank
    const double score = normal_quantile((rank + 0.5) / n);
    for (int k = i; k <= j; ++k) s_[order[k]] = score;
    i = j + 1;
  }
}

void AcqHistory::step_input(int horizon, float* out) const {
  const int d = config_->d;
  const int last = n_ - 1;
  for (int j = 0; j < d; ++j) out[j] = static_cast<float>(X_(j, last));
  out[d] = static_cast<float>(s_[last]);
  out[d + 1] = static_cast<float>(s_[best_]);
  out[d + 2] = static_cast<float>(static_cast<double>(n_) / horizon);
}

void AcqHistory::draw_candidates(Rng& rng, Eigen::MatrixXd& C) const {
  const int d = config_->d;
  const int ku = config_->uniform_candidates;
  const int kl = config_->local_candidates;
  C.resize(d, ku + kl);
  for (int c = 0; c < ku; ++c) {
    for (int j = 0; j < d; ++j) C(j, c) = rng.uniform(-1.0, 1.0);
  }
  const int scales = static_cast<int>(config_->local_scales.size());
  for (int i = 0; i < kl; ++i) {
    const double s = config_->local_scales[i % scales];
    for (int j = 0; j < d; ++j) {
      C(j, ku + i) = std::clamp(X_(j, best_) + s * rng.normal(), -1.0, 1.0);
    }
  }
}

void AcqHistory::features(const Eigen::MatrixXd& C, FeatureMatrix& F) {
  const AcqConfig& cfg = *config_;
  const int d = cfg.d;
  const int n = n_;
  const Eigen::Index K = C.cols();
  F.resize(K, cfg.feature_width());
  const double sbest = s_[best_];

  // Candidate-to-observation distances (one GEMM; see GpFactor::posterior).
  dist_.noalias() = -2.0 * X_.leftCols(n).transpose() * C;
  dist_.colwise() += X_.leftCols(n).colwise().squaredNorm().transpose();
  dist_.rowwise() += C.colwise().squaredNorm();
  dist_ = dist_.cwiseMax(0.0).cwiseSqrt();
  // The history's scale r (median nearest-neighbour distance, 1 for a single point) and its
  // largest slope on the transformed values (the LIPO Lipschitz estimate, 0 for a single point).
  double r = 1.0;
  double lip = 0.0;
  if (n > 1) {
    nn_.assign(n, INFINITY);
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) {
        const double dij = (X_.col(i) - X_.col(j)).norm();
        nn_[i] = std::min(nn_[i], dij);
        nn_[j] = std::min(nn_[j], dij);
        lip = std::max(lip, std::abs(s_[i] - s_[j]) / std::max(dij, 1e-9));
      }
    }
    const auto mid = nn_.begin() + n / 2;
    std::nth_element(nn_.begin(), mid, nn_.end());
    r = *mid;
    if (n % 2 == 0) r = 0.5 * (r + *std::max_element(nn_.begin(), mid));
  }
  r = std::max(r, 1e-6);
  const double log_r = std::log(r) / 4.0;

  const int kb = static_cast<int>(bank_.size());
  std::vector<Eigen::VectorXd> means(kb), sds(kb);
  for (int b = 0; b < kb; ++b) bank_[b].posterior(X_, s_, C, means[b], sds[b]);
  // Evidence weights of the bank's kernels: softmax of their log marginal likelihoods.
  if (cfg.evidence) {
    weight_.assign(static_cast<std::size_t>(kb), 0.0);
    double top = -INFINITY;
    for (int b = 0; b < kb; ++b) top = std::max(top, bank_[b].log_marginal());
    double total = 0.0;
    for (int b = 0; b < kb; ++b) total += weight_[b] = std::exp(bank_[b].log_marginal() - top);
    for (double& w : weight_) w /= total;
    log_weight_.resize(weight_.size());
    for (int b = 0; b < kb; ++b)
      log_weight_[b] = weight_[b] > 0.0 ? std::log(weight_[b]) : -INFINITY;
  }
  log_ei_.resize(static_cast<std::size_t>(kb));
  if (cfg.fitted) {
    // Start from the bank kernel of highest evidence (the first on ties).
    KernelKind kind = KernelKind::kRbf;
    double ell = 0.3;
    double top = -INFINITY;
    for (int b = 0; b < kb; ++b) {
      if (bank_[b].log_marginal() > top) {
        top = bank_[b].log_marginal();
        kind = cfg.kernels[b].kind;
        ell = cfg.kernels[b].length_scale;
      }
    }
    fitted_ = fit_kernel(kind, ell, X_, n, s_, cfg.jitter);
    GpFactor g(fitted_.kind, fitted_.length_scales, 1.0, cfg.jitter);
    for (int i = 0; i < n; ++i) g.add(X_, i, X_.col(i).data());
    g.posterior(X_, s_, C, fit_mean_, fit_sd_);
  }

  const int m = cfg.neighbours;
  std::vector<int> nearest(static_cast<std::size_t>(std::max(m, 1)));
  for (Eigen::Index c = 0; c < K; ++c) {
    float* f = F.row(c).data();
    int col = 0;
    double nb2 = 0.0;
    for (int j = 0; j < d; ++j) f[col++] = static_cast<float>(C(j, c));
    for (int j = 0; j < d; ++j) {
      const double o = C(j, c) - X_(j, best_);
      nb2 += o * o;
      f[col++] = static_cast<float>(o);
    }
    const double nb = std::sqrt(nb2);
    f[col++] = static_cast<float>(nb);
    f[col++] = static_cast<float>(std::log(nb + 1e-4) / 4.0);
    // The m nearest observations, nearest first (insertion into a short sorted list).
    const int found = std::min(m, n);
    int have = 0;
    for (int i = 0; i < n; ++i) {
      const double di = dist_(i, c);
      if (have < found) {
        int p = have++;
        while (p > 0 && dist_(nearest[p - 1], c) > di) {
          nearest[p] = nearest[p - 1];
          --p;
        }
        nearest[p] = i;
      } else if (found > 0 && di < dist_(nearest[found - 1], c)) {
        int p = found - 1;
        while (p > 0 && dist_(nearest[p - 1], c) > di) {
          nearest[p] = nearest[p - 1];
          --p;
        }
        nearest[p] = i;
      }
    }
    for (int q = 0; q < m; ++q) {
      const double dq = q < found ? dist_(nearest[q], c) : kMissingDistance;
      f[col++] = static_cast<float>(dq);
      f[col++] = static_cast<float>(std::log(dq + 1e-4) / 4.0);
      f[col++] = static_cast<float>(q < found ? s_[nearest[q]] - sbest : 0.0);
    }
    double d1 = dist_(0, c);
    for (int i = 1; i < n; ++i) d1 = std::min(d1, dist_(i, c));
    f[col++] = static_cast<float>(std::min(d1 / r, 10.0) / 4.0);
    f[col++] = static_cast<float>(std::log(d1 / r + 1e-3) / 4.0);
    f[col++] = static_cast<float>(log_r);
    double lower = -INFINITY;
    for (int i = 0; i < n; ++i) lower = std::max(lower, s_[i] - lip * dist_(i, c));
    const double g = sbest - lower;  // > 0: the candidate may improve on the best
    f[col++] =
        static_cast<float>((g > 0 ? 1.0 : (g < 0 ? -1.0 : 0.0)) * std::log1p(std::abs(g)) / 2.0);
    for (int b = 0; b < kb; ++b) {
      const double mu = means[b][c];
      const double sd = sds[b][c];
      log_ei_[b] = log_expected_improvement(mu, sd, sbest);
      f[col++] = static_cast<float>(mu - sbest);
      f[col++] = static_cast<float>(std::log(sd) / 4.0);
      f[col++] = static_cast<float>(std::max(log_ei_[b], kLogEiFloor) / 10.0);
    }
    if (cfg.evidence) {
      // The evidence-weighted mixture of the bank's posteriors: its mean, its standard deviation
      // and the log of its EI (sum_b w_b EI_b, through a log-sum-exp over the kernels with w_b >
      // 0).
      double mix = 0.0, second = 0.0, top = -INFINITY;
      for (int b = 0; b < kb; ++b) {
        const double mu = means[b][c], sd = sds[b][c];
        mix += weight_[b] * mu;
        second += weight_[b] * (sd * sd + mu * mu);
        if (weight_[b] > 0.0) top = std::max(top, log_weight_[b] + log_ei_[b]);
      }
      double sum = 0.0;
      for (int b = 0; b < kb; ++b) {
        if (weight_[b] > 0.0) sum += std::exp(log_weight_[b] + log_ei_[b] - top);
      }
      const double mix_sd = std::sqrt(std::max(second - mix * mix, 1e-24));
      f[col++] = static_cast<float>(mix - sbest);
      f[col++] = static_cast<float>(std::log(mix_sd) / 4.0);
      f[col++] = static_cast<float>(std::max(top + std::log(sum), kLogEiFloor) / 10.0);
    }
    if (cfg.fitted) {
      const double mu = fit_mean_[c], sd = fit_sd_[c];
      f[col++] = static_cast<float>(mu - sbest);
      f[col++] = static_cast<float>(std::log(sd) / 4.0);
      f[col++] =
          static_cast<float>(std::max(log_expected_improvement(mu, sd, sbest), kLogEiFloor) / 10.0);
    }
  }
}

}  // namespace rnnopt::internal
