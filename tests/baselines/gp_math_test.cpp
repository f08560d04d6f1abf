// Mathematical checks of the GP machinery behind the GP baselines: kernels, warping, posterior,
// incremental Cholesky, EI, priors, likelihood and the slice sampler.
#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "baselines/internal/candidate_search.h"
#include "baselines/internal/gp.h"
#include "baselines/internal/hyper_posterior.h"
#include "baselines/internal/slice_sampler.h"
#include "optimizer/random.h"
#include "tests/support/seed.h"

using namespace rnnopt::baselines::internal;
using rnnopt::KernelKind;
using rnnopt::baselines::GpHypers;

namespace {

// Matern-5/2 and RBF written directly in r (not r^2), as the reference.
double reference_kernel(KernelKind kernel, double amp2, double r) {
  if (kernel == KernelKind::kRbf) return amp2 * std::exp(-0.5 * r * r);
  return amp2 * (1.0 + std::sqrt(5.0) * r + 5.0 * r * r / 3.0) * std::exp(-std::sqrt(5.0) * r);
}

GpHypers random_hypers(int d, rnnopt::Rng& rng, bool warp) {
  GpHypers h = GpHypers::defaults(d);
  h.mean = rng.normal(0.0, 0.5);
  h.amp2 = rng.uniform(0.5, 2.0);
  for (int j = 0; j < d; ++j) {
    h.ls[j] = rng.uniform(0.2, 1.0);
    h.alpha[j] = rng.uniform(0.5, 3.0);
    h.beta[j] = rng.uniform(0.5, 3.0);
  }
  h.warp = warp;
  return h;
}

Eigen::MatrixXd random_points(int n, int d, rnnopt::Rng& rng) {
  Eigen::MatrixXd x(n, d);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < d; ++j) x(i, j) = rng.uniform(0.02, 0.98);
  }
  return x;
}

double warp_ref(const GpHypers& h, int j, double u) {
  return h.warp ? boost::math::ibeta(h.alpha[j], h.beta[j], u) : u;
}

// The covariance of the reference model between unit-cube points a and b.
double reference_cov(KernelKind kernel, const GpHypers& h, const Eigen::VectorXd& a,
                     const Eigen::VectorXd& b) {
  double r2 = 0.0;
  for (int j = 0; j < h.dim(); ++j) {
    const double diff = (warp_ref(h, j, a[j]) - warp_ref(h, j, b[j])) / h.ls[j];
    r2 += diff * diff;
  }
  return reference_kernel(kernel, h.amp2, std::sqrt(r2));
}

}  // namespace

// The scalar kernels and their r^2 derivatives are core's (tests/core/kernel_test.cpp); the
// baselines' vectorised kernel matrix is checked here.
TEST_CASE("Kernel matrices: amp2 times the kernel, entry by entry", "[baselines][gp-math]") {
  for (KernelKind kernel : {KernelKind::kMatern52, KernelKind::kRbf}) {
    for (double r : {0.0, 0.05, 0.3, 1.0, 2.5, 6.0}) {
      Eigen::MatrixXd m = Eigen::MatrixXd::Constant(2, 3, r * r);
      apply_kernel(kernel, 1.7, m);
      CHECK(m(1, 2) == Approx(reference_kernel(kernel, 1.7, r)).epsilon(1e-12));
    }
  }
}

TEST_CASE("Beta-CDF warping: values, derivative, tabulated batches", "[baselines][gp-math]") {
  double worst_table = 0.0;
  for (double a : {0.1, 0.35, 1.0, 2.2, 10.0}) {
    for (double b : {0.1, 0.8, 1.0, 4.5, 10.0}) {
      for (double u : {0.001, 0.013, 0.2, 0.5, 0.77, 0.999}) {
        CHECK(beta_warp(u, a, b) ==
              Approx(boost::math::ibeta(a, b, u)).epsilon(1e-12).margin(1e-300));
        const double h = 1e-6 * std::min(u, 1.0 - u);
        const double fd = (beta_warp(u + h, a, b) - beta_warp(u - h, a, b)) / (2 * h);
        CHECK(beta_warp_derivative(u, a, b) == Approx(fd).epsilon(1e-5).margin(1e-6));
      }
      // Clipping, and non-finite densities at the ends replaced by 1 (Spearmint's rule).
      CHECK(beta_warp(-0.5, a, b) == 0.0);
      CHECK(beta_warp(1.5, a, b) == 1.0);
      CHECK(std::isfinite(beta_warp_derivative(0.0, a, b)));
      CHECK(std::isfinite(beta_warp_derivative(1.0, a, b)));
      Eigen::VectorXd u = Eigen::VectorXd::LinSpaced(5001, 0.0, 1.0);
      Eigen::VectorXd w(u.size());
      beta_warp_tabulated(u, a, b, w);
      for (Eigen::Index i = 0; i < u.size(); ++i) {
        worst_table = std::max(worst_table, std::abs(w[i] - boost::math::ibeta(a, b, u[i])));
      }
    }
  }
  INFO("worst tabulated warping error " << worst_table);
  CHECK(worst_table < 1e-7);
  CHECK(beta_warp_derivative(0.0, 0.5, 2.0) == 1.0);
}

TEST_CASE("GP posterior equals the closed form on a few points", "[baselines][gp-math]") {
  rnnopt::Rng rng(rnnopt::test::seed("gp posterior closed form", 31));
  for (KernelKind kernel : {KernelKind::kMatern52, KernelKind::kRbf}) {
    for (bool warp : {false, true}) {
      const int d = 2, n = 6;
      GpHypers h = random_hypers(d, rng, warp);
      h.noise = 0.01;
      const Eigen::MatrixXd x = random_points(n, d, rng);
      Eigen::VectorXd y(n);
      for (int i = 0; i < n; ++i) y[i] = std::sin(3.0 * x(i, 0)) + x(i, 1);
      GpPosterior gp(kernel, h, 1e-6);
      gp.fit(x, y);
      // Direct: K + (1e-6 + noise) I, mean m + k^T K^{-1} (y - m), var k(x,x) - k^T K^{-1} k.
      Eigen::MatrixXd k(n, n);
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          k(i, j) = reference_cov(kernel, h, x.row(i).transpose(), x.row(j).transpose());
        }
      }
      k.diagonal().array() += 1e-6 + h.noise;
      const Eigen::MatrixXd kinv = k.inverse();
      const Eigen::MatrixXd q = random_points(4, d, rng);
      Eigen::VectorXd mean, var;
      gp.predict(q, mean, var);
      for (int t = 0; t < q.rows(); ++t) {
        Eigen::VectorXd ks(n);
        for (int i = 0; i < n; ++i)
          ks[i] = reference_cov(kernel, h, q.row(t).transpose(), x.row(i).transpose());
        const double m_ref = h.mean + ks.dot(kinv * (y.array() - h.mean).matrix());
        const double v_ref = h.amp2 - ks.dot(kinv * ks);
        CHECK(mean[t] == Approx(m_ref).epsilon(1e-9));
        CHECK(var[t] == Approx(v_ref).epsilon(1e-7).margin(1e-10));
        const PointPrediction p = gp.predict_point(q.row(t).transpose(), false);
        CHECK(p.mean == Approx(m_ref).epsilon(1e-9));
        CHECK(p.var == Approx(v_ref).epsilon(1e-7).margin(1e-10));
      }
      // Log marginal likelihood: -r^T K^{-1} r / 2 - log|K| / 2 - n log(2 pi) / 2.
      const Eigen::VectorXd r = y.array() - h.mean;
      const double ll_ref =
          -0.5 * r.dot(kinv * r) - 0.5 * std::log(k.determinant()) - 0.5 * n * std::log(2.0 * M_PI);
      CHECK(gp.log_marginal_likelihood() == Approx(ll_ref).epsilon(1e-9));
      HyperPosterior hp(kernel, HyperPriors{}, /*noisy=*/true, 1e-6);
      hp.set_data(x, y);
      CHECK(hp.log_likelihood(h) == Approx(ll_ref).epsilon(1e-9));
    }
  }
}

TEST_CASE("Joint posterior: the closed-form covariance, its diagonal the pointwise variance",
          "[baselines][gp-math]") {
  rnnopt::Rng rng(rnnopt::test::seed("gp joint posterior", 37));
  for (KernelKind kernel : {KernelKind::kMatern52, KernelKind::kRbf}) {
    const int d = 2, n = 5, m = 4;
    GpHypers h = random_hypers(d, rng, false);
    h.noise = 0.01;
    const Eigen::MatrixXd x = random_points(n, d, rng);
    Eigen::VectorXd y(n);
    for (int i = 0; i < n; ++i) y[i] = std::cos(2.0 * x(i, 0)) - x(i, 1);
    GpPosterior gp(kernel, h, 1e-6);
    gp.fit(x, y);
    const Eigen::MatrixXd q = random_points(m, d, rng);
    Eigen::VectorXd mean, var;
    Eigen::MatrixXd cov;
    gp.predict(q, mean, var);
    Eigen::VectorXd joint_mean;
    gp.joint_posterior(gp.transform(q), joint_mean, cov);
    Eigen::MatrixXd k(n, n), kq(m, n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        k(i, j) = reference_cov(kernel, h, x.row(i).transpose(), x.row(j).transpose());
      }
      for (int t = 0; t < m; ++t) {
        kq(t, i) = reference_cov(kernel, h, q.row(t).transpose(), x.row(i).transpose());
      }
    }
    k.diagonal().array() += 1e-6 + h.noise;
    const Eigen::MatrixXd kinv = k.inverse();
    for (int a = 0; a < m; ++a) {
      CHECK(joint_mean[a] == Approx(mean[a]).epsilon(1e-9));
      CHECK(cov(a, a) == Approx(var[a]).epsilon(1e-7).margin(1e-10));
      for (int b = 0; b < m; ++b) {
        const double ref = reference_cov(kernel, h, q.row(a).transpose(), q.row(b).transpose()) -
                           kq.row(a).dot(kinv * kq.row(b).transpose());
        CHECK(cov(a, b) == Approx(ref).epsilon(1e-7).margin(1e-10));
        CHECK(cov(a, b) == cov(b, a));
      }
    }
  }
}

TEST_CASE("The jitter rule: tenfold raises until the factor exists, then diagonal dominance",
          "[baselines][gp-math]") {
  // Positive definite: no raise, the plain factor of a + extra I.
  Eigen::MatrixXd a(2, 2);
  a << 2.0, 1.0, 1.0, 2.0;
  Eigen::MatrixXd l;
  int trouble = 0;
  CHECK(cholesky_with_jitter(a, 1e-8, 1.0, l, &trouble) == 1e-8);
  CHECK(trouble == 0);
  Eigen::MatrixXd b = a;
  b.diagonal().array() += 1e-8;
  CHECK((l * l.transpose() - b).norm() < 1e-12);
  // Singular (rank one) with no starting jitter: raised to 1e-10 * scale, enough here.
  a << 1.0, 1.0, 1.0, 1.0;
  CHECK(cholesky_with_jitter(a, 0.0, 1.0, l, &trouble) == 1e-10);
  CHECK(trouble == 1);
  // Indefinite beyond every tenfold raise (eigenvalue -1): the dominant last resort.
  a << 0.0, 1.0, 1.0, 0.0;
  trouble = 0;
  const double e = cholesky_with_jitter(a, 1e-8, 1.0, l, &trouble);
  CHECK(trouble == 7);
  CHECK(e > 1.0);
  b = a;
  b.diagonal().array() += e;
  CHECK((l * l.transpose() - b).norm() < 1e-9);
}

TEST_CASE("Incrementally extended Cholesky equals a full factorisation", "[baselines][gp-math]") {
  rnnopt::Rng rng(rnnopt::test::seed("incremental cholesky", 5));
  const int d = 3, n0 = 4, n1 = 15;
  const GpHypers h = random_hypers(d, rng, true);
  const Eigen::MatrixXd x = random_points(n1, d, rng);
  Eigen::VectorXd y(n1);
  for (int i = 0; i < n1; ++i) y[i] = x.row(i).sum() + rng.normal(0.0, 0.1);
  GpPosterior full(KernelKind::kMatern52, h), grown(KernelKind::kMatern52, h);
  full.fit(x, y);
  grown.fit(x.topRows(n0), y.head(n0));
  for (int i = n0; i < n1; ++i) grown.add(x.row(i).transpose(), y[i]);
  REQUIRE(grown.size() == n1);
  CHECK((grown.cholesky() - full.cholesky()).cwiseAbs().maxCoeff() < 1e-10);
  const Eigen::MatrixXd q = random_points(7, d, rng);
  Eigen::VectorXd m1, v1, m2, v2;
  full.predict(q, m1, v1);
  grown.predict(q, m2, v2);
  CHECK((m1 - m2).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((v1 - v2).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(grown.log_marginal_likelihood() == Approx(full.log_marginal_likelihood()).epsilon(1e-10));
  // The batched path through L^{-1} (one GEMM) equals the triangular solve.
  grown.prepare_batch_prediction();
  grown.predict(q, m2, v2);
  CHECK((m1 - m2).cwiseAbs().maxCoeff() < 1e-9);
  CHECK((v1 - v2).cwiseAbs().maxCoeff() < 1e-9);
  // A duplicated point does not break the factor.
  grown.add(x.row(2).transpose(), y[2]);
  CHECK(grown.cholesky().allFinite());
  // From an empty model too.
  GpPosterior empty(KernelKind::kRbf, h);
  empty.fit(Eigen::MatrixXd(0, d), Eigen::VectorXd(0));
  for (int i = 0; i < n1; ++i) empty.add(x.row(i).transpose(), y[i]);
  GpPosterior full_rbf(KernelKind::kRbf, h);
  full_rbf.fit(x, y);
  CHECK((empty.cholesky() - full_rbf.cholesky()).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("Posterior mean and variance gradients match finite differences",
          "[baselines][gp-math]") {
  rnnopt::Rng rng(rnnopt::test::seed("posterior gradients", 8));
  for (KernelKind kernel : {KernelKind::kMatern52, KernelKind::kRbf}) {
    for (bool warp : {false, true}) {
      const int d = 3;
      const GpHypers h = random_hypers(d, rng, warp);
      const Eigen::MatrixXd x = random_points(10, d, rng);
      Eigen::VectorXd y(10);
      for (int i = 0; i < 10; ++i) y[i] = std::cos(4.0 * x(i, 0)) * x(i, 2) - x(i, 1);
      GpPosterior gp(kernel, h);
      gp.fit(x, y);
      for (int t = 0; t < 5; ++t) {
        const Eigen::VectorXd u = random_points(1, d, rng).row(0).transpose();
        const PointPrediction p = gp.predict_point(u, true);
        for (int j = 0; j < d; ++j) {
          const double e = 1e-6;
          Eigen::VectorXd up = u, dn = u;
          up[j] += e;
          dn[j] -= e;
          const PointPrediction pu = gp.predict_point(up, false), pd = gp.predict_point(dn, false);
          CHECK(p.d_mean[j] == Approx((pu.mean - pd.mean) / (2 * e)).epsilon(1e-4).margin(1e-7));
          CHECK(p.d_var[j] == Approx((pu.var - pd.var) / (2 * e)).epsilon(1e-4).margin(1e-7));
        }
      }
    }
  }
}

TEST_CASE("Expected improvement equals the Boost.Math normal formula", "[baselines][gp-math]") {
  const boost::math::normal normal;
  for (double target : {-1.0, 0.0, 0.7}) {
    for (double mean : {-2.0, 0.1, 0.5, 3.0}) {
      for (double sd : {0.01, 0.3, 1.0, 4.0}) {
        const double z = (target - mean) / sd;
        const double ref =
            (target - mean) * boost::math::cdf(normal, z) + sd * boost::math::pdf(normal, z);
        const EiValue e = expected_improvement(target, mean, sd);
        CHECK(e.ei == Approx(ref).epsilon(1e-12).margin(1e-15));
        const double h = 1e-6;
        CHECK(e.d_mean == Approx((expected_improvement(target, mean + h, sd).ei -
                                  expected_improvement(target, mean - h, sd).ei) /
                                 (2 * h))
                              .epsilon(1e-6)
                              .margin(1e-9));
        CHECK(e.d_sd == Approx((expected_improvement(target, mean, sd + h).ei -
                                expected_improvement(target, mean, sd - h).ei) /
                               (2 * h))
                            .epsilon(1e-6)
                            .margin(1e-9));
      }
    }
  }
  // No uncertainty: the improvement itself.
  CHECK(expected_improvement(1.0, 0.25, 0.0).ei == 0.75);
  CHECK(expected_improvement(0.0, 0.25, 0.0).ei == 0.0);
}

TEST_CASE("Averaged EI and LCB gradients match finite differences", "[baselines][gp-math]") {
  rnnopt::Rng rng(rnnopt::test::seed("acquisition gradients", 77));
  const int d = 2;
  const Eigen::MatrixXd x = random_points(8, d, rng);
  Eigen::VectorXd y(8);
  for (int i = 0; i < 8; ++i) y[i] = std::sin(5.0 * x(i, 0)) + x(i, 1) * x(i, 1);
  std::vector<GpPosterior> models;
  Acquisition ei;
  for (int s = 0; s < 4; ++s) {
    models.emplace_back(KernelKind::kMatern52, random_hypers(d, rng, true));
    models.back().fit(x, y);
    ei.targets.push_back(y.minCoeff());
  }
  Acquisition lcb;
  lcb.kind = AcquisitionKind::kLowerConfidenceBound;
  lcb.beta = 4.0;
  for (const Acquisition* acq : {&ei, &lcb}) {
    for (int t = 0; t < 6; ++t) {
      const Eigen::VectorXd u = random_points(1, d, rng).row(0).transpose();
      Eigen::VectorXd g;
      acquisition_at(models, *acq, u, &g);
      for (int j = 0; j < d; ++j) {
        const double e = 1e-6;
        Eigen::VectorXd up = u, dn = u;
        up[j] += e;
        dn[j] -= e;
        const double fd = (acquisition_at(models, *acq, up, nullptr) -
                           acquisition_at(models, *acq, dn, nullptr)) /
                          (2 * e);
        CHECK(g[j] == Approx(fd).epsilon(1e-4).margin(1e-8));
      }
    }
  }
}

TEST_CASE("Hyper-parameter priors follow table A.1", "[baselines][gp-math]") {
  const HyperPriors priors;
  GpHypers h = GpHypers::defaults(2);
  h.warp = true;
  h.noise = 1e-3;
  const double base = priors.log_density(h, true);
  REQUIRE(std::isfinite(base));
  // amp2 = s^2, s ~ LogNormal(0, 1): density ratio through the Jacobian 1 / (2 s).
  const boost::math::lognormal s_dist(0.0, 1.0);
  auto amp2_density = [&](double a) {
    return boost::math::pdf(s_dist, std::sqrt(a)) / (2.0 * std::sqrt(a));
  };
  GpHypers h2 = h;
  h2.amp2 = 3.7;
  CHECK(priors.log_density(h2, true) - base ==
        Approx(std::log(amp2_density(3.7) / amp2_density(1.0))));
  // mean ~ N(0, 1).
  h2 = h;
  h2.mean = 1.3;
  CHECK(priors.log_density(h2, true) - base == Approx(-0.5 * 1.3 * 1.3));
  // Length-scales flat on (0, 10).
  h2 = h;
  h2.ls[1] = 9.5;
  CHECK(priors.log_density(h2, true) == Approx(base));
  h2.ls[1] = 10.5;
  CHECK(priors.log_density(h2, true) == -INFINITY);
  // Warping: LogNormal(0, 1.5) on [0.1, 10].
  const boost::math::lognormal w_dist(0.0, 1.5);
  h2 = h;
  h2.alpha[0] = 4.0;
  CHECK(priors.log_density(h2, true) - base ==
        Approx(std::log(boost::math::pdf(w_dist, 4.0) / boost::math::pdf(w_dist, 1.0))));
  h2.alpha[0] = 0.09;
  CHECK(priors.log_density(h2, true) == -INFINITY);
  // Horseshoe approximation on the noise; noise <= 0 excluded; ignored when noiseless.
  h2 = h;
  h2.noise = 0.02;
  CHECK(priors.log_density(h2, true) - base ==
        Approx(std::log(std::log1p(3.0 * 25.0)) - std::log(std::log1p(3.0 * 1e4))));
  h2.noise = 0.0;
  CHECK(priors.log_density(h2, true) == -INFINITY);
  CHECK(std::isfinite(priors.log_density(h2, false)));
}

TEST_CASE("Slice sampler reproduces the moments of known densities", "[baselines][slice]") {
  rnnopt::Rng rng(rnnopt::test::seed("slice sampler moments", 2024));
  SliceSampler sampler;
  const int n = 20000;
  // A correlated 2-d Gaussian (var 4 and 1, correlation 0.6, mean (1, -2)), random directions.
  {
    const Eigen::Vector2d mu(1.0, -2.0);
    Eigen::Matrix2d cov;
    cov << 4.0, 1.2, 1.2, 1.0;
    const Eigen::Matrix2d prec = cov.inverse();
    auto log_p = [&](const Eigen::VectorXd& x) { return -0.5 * (x - mu).dot(prec * (x - mu)); };
    Eigen::VectorXd x = Eigen::Vector2d::Zero();
    double lp = log_p(x);
    Eigen::Vector2d sum = Eigen::Vector2d::Zero();
    Eigen::Matrix2d sum2 = Eigen::Matrix2d::Zero();
    for (int i = 0; i < n; ++i) {
      x = sampler.random_direction(x, lp, log_p, rng);
      REQUIRE(lp == Approx(log_p(x)));
      sum += x;
      sum2 += x * x.transpose();
    }
    const Eigen::Vector2d mean = sum / n;
    const Eigen::Matrix2d c = sum2 / n - mean * mean.transpose();
    CHECK(mean[0] == Approx(1.0).margin(0.1));
    CHECK(mean[1] == Approx(-2.0).margin(0.05));
    CHECK(c(0, 0) == Approx(4.0).epsilon(0.08));
    CHECK(c(1, 1) == Approx(1.0).epsilon(0.08));
    CHECK(c(0, 1) == Approx(1.2).epsilon(0.1));
  }
  // Gamma(shape 3, scale 0.5) on (0, inf) and Uniform(0, 10) (a bounded support, as the
  // length-scale prior), coordinate-wise.
  {
    auto log_p = [](const Eigen::VectorXd& x) {
      if (x[0] <= 0.0 || x[1] <= 0.0 || x[1] >= 10.0)
        return -std::numeric_limits<double>::infinity();
      return 2.0 * std::log(x[0]) - 2.0 * x[0];  // Gamma(3, 1/2) up to a constant
    };
    Eigen::VectorXd x = Eigen::Vector2d(1.0, 5.0);
    double lp = log_p(x);
    double s0 = 0, s00 = 0, s1 = 0, s11 = 0;
    for (int i = 0; i < n; ++i) {
      x = sampler.coordinatewise(x, lp, log_p, rng);
      s0 += x[0];
      s00 += x[0] * x[0];
      s1 += x[1];
      s11 += x[1] * x[1];
    }
    CHECK(s0 / n == Approx(1.5).epsilon(0.04));
    CHECK(s00 / n - (s0 / n) * (s0 / n) == Approx(0.75).epsilon(0.08));
    CHECK(s1 / n == Approx(5.0).epsilon(0.04));
    CHECK(s11 / n - (s1 / n) * (s1 / n) == Approx(100.0 / 12.0).epsilon(0.08));
  }
  CHECK(sampler.stuck() == 0);
}
