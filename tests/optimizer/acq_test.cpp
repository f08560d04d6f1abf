// The learned acquisition head in the engine (MODEL_FORMAT.md section 7): its numerics (normal
// quantile, log EI, the incremental GP factor, rank scores, features), its model files, and
// RnnOptimizer running it (conformance, batches, saved states, corrupt weights).
#include <Eigen/Cholesky>
#include <catch2/catch.hpp>
#include <cmath>

#include "optimizer/internal/acq_features.h"
#include "optimizer/model_file.h"
#include "optimizer/random.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/support/conformance.h"
#include "tests/support/seed.h"

namespace {

using rnnopt::Box;
using rnnopt::KernelKind;
using rnnopt::RnnOptimizer;
using rnnopt::internal::AcqConfig;
using rnnopt::internal::AcqHistory;
using rnnopt::internal::GpFactor;

long double phi_l(long double z) { return std::exp(-0.5L * z * z) / std::sqrt(2.0L * M_PIl); }
long double cdf_l(long double z) { return 0.5L * std::erfc(-z / std::sqrt(2.0L)); }

rnnopt::AcquisitionSpec small_spec() {
  rnnopt::AcquisitionSpec a;
  a.head_width = 12;
  a.uniform_candidates = 40;
  a.local_candidates = 8;
  a.local_scales = {0.1, 0.01};
  a.neighbours = 2;
  a.kernels = {{"rbf", 0.3}, {"matern52", 0.6}};
  return a;
}

// The dense reference of a noise-free GP (variance 1, diagonal 1 + jitter, per-dimension
// length-scales ell) on values s at the columns of X: its log marginal likelihood and its
// posterior mean and standard deviation at the columns of C.
struct DenseGp {
  double log_marginal = 0.0;
  Eigen::VectorXd mean, sd;
};
DenseGp dense_gp(KernelKind kind, const Eigen::VectorXd& ell, double jitter,
                 const Eigen::MatrixXd& X, const Eigen::VectorXd& s, const Eigen::MatrixXd& C) {
  const auto n = X.cols();
  auto kf = [&](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return rnnopt::kernel_shape(kind, (a - b).cwiseQuotient(ell).squaredNorm());
  };
  Eigen::MatrixXd K(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) K(i, j) = kf(X.col(i), X.col(j)) + (i == j ? jitter : 0.0);
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(K);
  const Eigen::MatrixXd L = llt.matrixL();
  const Eigen::VectorXd a = L.triangularView<Eigen::Lower>().solve(s);
  DenseGp g;
  g.log_marginal = -0.5 * a.squaredNorm() - L.diagonal().array().log().sum() -
                   0.5 * static_cast<double>(n) * std::log(2 * M_PI);
  const Eigen::VectorXd alpha = llt.solve(s);
  g.mean.resize(C.cols());
  g.sd.resize(C.cols());
  for (Eigen::Index c = 0; c < C.cols(); ++c) {
    Eigen::VectorXd k(n);
    for (Eigen::Index i = 0; i < n; ++i) k[i] = kf(X.col(i), C.col(c));
    g.mean[c] = k.dot(alpha);
    g.sd[c] = std::sqrt(std::max(1.0 - k.dot(llt.solve(k)), 1e-12));
  }
  return g;
}

std::shared_ptr<const rnnopt::Model> acq_model(int d, std::uint64_t seed, int horizon = 20) {
  rnnopt::RandomModelSpec spec;
  spec.name = "acq-random";
  spec.d_max = d;
  spec.hidden_size = 16;
  spec.horizon = horizon;
  spec.acquisition = small_spec();
  spec.weight_scale = 0.5;
  return rnnopt::make_model(rnnopt::make_random_model_file(spec, seed), "acq-random");
}

double quadratic(const Eigen::VectorXd& c) { return (c.array() - 0.25).square().sum(); }

}  // namespace

TEST_CASE("normal_quantile inverts Phi", "[optimizer][acq]") {
  for (double p : {1e-12, 1e-6, 0.001, 0.02, 0.2, 0.5, 0.7, 0.975, 0.999999}) {
    const double z = rnnopt::internal::normal_quantile(p);
    CHECK(std::abs(static_cast<double>(cdf_l(z)) - p) <= 1e-10 * std::max(p, 1e-3));
  }
  CHECK(rnnopt::internal::normal_quantile(0.5) == Approx(0.0).margin(1e-12));
  CHECK(rnnopt::internal::normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-10));
}

TEST_CASE("log_expected_improvement is log EI, finite where EI underflows", "[optimizer][acq]") {
  for (long double z : {3.0L, 1.0L, 0.0L, -1.0L, -3.0L, -4.9L}) {
    const long double sd = 0.7L;
    const long double ei = sd * (z * cdf_l(z) + phi_l(z));
    const double got = rnnopt::internal::log_expected_improvement(0.0, 0.7, 0.7 * z);
    CHECK(got == Approx(static_cast<double>(std::log(ei))).epsilon(1e-9));
  }
  // Across the switch to the asymptotic series at z = -5: continuous to 1e-3.
  const double below = rnnopt::internal::log_expected_improvement(0.0, 1.0, -5.0 - 1e-9);
  const double above = rnnopt::internal::log_expected_improvement(0.0, 1.0, -5.0 + 1e-9);
  CHECK(std::abs(below - above) < 1e-3);
  const double deep = rnnopt::internal::log_expected_improvement(0.0, 1.0, -40.0);
  CHECK(std::isfinite(deep));
  CHECK(deep < -790.0);
  // Monotone in z.
  double prev = -INFINITY;
  for (double z = -30.0; z < 5.0; z += 0.25) {
    const double v = rnnopt::internal::log_expected_improvement(0.0, 1.0, z);
    CHECK(v > prev);
    prev = v;
  }
}

TEST_CASE("GpFactor's incremental posterior equals a dense solve", "[optimizer][acq]") {
  const auto seed = rnnopt::test::seed("acq gp factor", 77);
  rnnopt::Rng rng(seed);
  for (KernelKind kind : {KernelKind::kRbf, KernelKind::kMatern52}) {
    const int d = 3, n = 25, K = 30;
    const Eigen::Vector3d ell(0.3, 0.5, 0.8);
    GpFactor g(kind, ell, 1.7, 1e-6);
    Eigen::MatrixXd X(d, n), C(d, K);
    Eigen::VectorXd y(n);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < d; ++j) X(j, i) = rng.uniform(-1, 1);
      y[i] = rng.normal();
      g.add(X, i, X.col(i).data());
    }
    for (int c = 0; c < K; ++c) {
      for (int j = 0; j < d; ++j) C(j, c) = rng.uniform(-1, 1);
    }
    C.col(0) = X.col(3);  // an observed point: mean ~ y, sd ~ 0
    auto kf = [&](const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
      const double r2 = ((a - b).array() / ell.array()).square().sum();
      return 1.7 * rnnopt::kernel_shape(kind, r2);
    };
    Eigen::MatrixXd Kxx(n, n), Kxc(n, K);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) Kxx(i, j) = kf(X.col(i), X.col(j));
      Kxx(i, i) *= 1.0 + 1e-6;
      for (int c = 0; c < K; ++c) Kxc(i, c) = kf(X.col(i), C.col(c));
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(Kxx);
    const Eigen::VectorXd mean_ref = Kxc.transpose() * llt.solve(y);
    Eigen::VectorXd mean, sd;
    g.posterior(X, y, C, mean, sd);
    for (int c = 0; c < K; ++c) {
      const double var_ref = 1.7 - Kxc.col(c).dot(llt.solve(Kxc.col(c)));
      CHECK(mean[c] == Approx(mean_ref[c]).margin(1e-7));
      CHECK(sd[c] * sd[c] == Approx(std::max(var_ref, 0.0)).margin(1e-7));
    }
    CHECK(mean[0] == Approx(y[3]).margin(1e-4));
    CHECK(sd[0] < 1e-2);
  }
}

TEST_CASE("A repeated point does not break the factor", "[optimizer][acq]") {
  GpFactor g(KernelKind::kRbf, Eigen::Vector2d(0.3, 0.3), 1.0, 1e-6);
  Eigen::MatrixXd X(2, 3);
  X << 0.1, 0.1, 0.1, -0.2, -0.2, -0.2;
  for (int i = 0; i < 3; ++i) g.add(X, i, X.col(i).data());
  Eigen::VectorXd mean, sd;
  Eigen::MatrixXd C(2, 1);
  C << 0.5, 0.5;
  g.posterior(X, Eigen::Vector3d(1.0, 1.0, 1.0), C, mean, sd);
  CHECK(std::isfinite(mean[0]));
  CHECK(std::isfinite(sd[0]));
}

TEST_CASE("Values enter as normal scores of their ranks, ties averaged", "[optimizer][acq]") {
  AcqConfig cfg;
  cfg.d = 1;
  cfg.kernels = {{KernelKind::kRbf, 0.3}};
  AcqHistory h(cfg);
  const double xs[] = {-0.5, 0.0, 0.5, 0.9};
  h.add(&xs[0], 3.0);
  CHECK(h.scores()[0] == 0.0);
  h.add(&xs[1], 1.0);
  h.add(&xs[2], 3.0);
  h.add(&xs[3], -7.0);
  // Ranks: -7 -> 0, 1 -> 1, the two 3s share (2 + 3) / 2.
  CHECK(h.scores()[3] == Approx(rnnopt::internal::normal_quantile(0.5 / 4)));
  CHECK(h.scores()[1] == Approx(rnnopt::internal::normal_quantile(1.5 / 4)));
  CHECK(h.scores()[0] == Approx(rnnopt::internal::normal_quantile(3.0 / 4)));
  CHECK(h.scores()[2] == h.scores()[0]);
  CHECK(h.best() == 3);
  // Invariant to any increasing transform of y.
  AcqHistory g(cfg);
  for (int i = 0; i < 4; ++i) g.add(&xs[i], std::exp(h.values()[i]));
  for (int i = 0; i < 4; ++i) CHECK(g.scores()[i] == h.scores()[i]);
}

namespace power_values {

// Population skewness of v.
double skewness(const Eigen::VectorXd& v) {
  const double m = v.mean();
  const double s2 = (v.array() - m).square().mean();
  return (v.array() - m).cube().mean() / std::pow(s2, 1.5);
}

// The histories of values y (1-D points spread over the box) under two value transforms.
struct Pair {
  AcqConfig power_cfg, standard_cfg;
  AcqHistory power, standard;
  explicit Pair(const std::vector<double>& y)
      : power_cfg(config(AcqConfig::Values::kPower)),
        standard_cfg(config(AcqConfig::Values::kStandard)),
        power(power_cfg),
        standard(standard_cfg) {
    for (std::size_t i = 0; i < y.size(); ++i) {
      const double x = -1.0 + 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(y.size());
      power.add(&x, y[i]);
      standard.add(&x, y[i]);
    }
  }
  static AcqConfig config(AcqConfig::Values v) {
    AcqConfig c;
    c.d = 1;
    c.kernels = {{KernelKind::kRbf, 0.3}};
    c.values = v;
    return c;
  }
};

std::vector<double> lognormal(int n, std::uint64_t seed, double scale, double shift) {
  rnnopt::Rng rng(seed);
  std::vector<double> y(n);
  for (double& v : y) v = shift + scale * std::exp(1.5 * rng.normal());
  return y;
}

}  // namespace power_values

TEST_CASE("Power values: Yeo-Johnson of maximum likelihood on the standardised values",
          "[optimizer][acq]") {
  using namespace power_values;
  SECTION("fewer than 3 values: the standardised values, lambda 1") {
    const Pair p({4.0, -2.0});
    CHECK(p.power.power_lambda() == 1.0);
    CHECK(p.power.scores()[0] == p.standard.scores()[0]);
    CHECK(p.power.scores()[1] == p.standard.scores()[1]);
  }
  SECTION("heavy right tail (log-normal): lambda well below 1, the skew removed, order kept") {
    const std::vector<double> y = lognormal(200, rnnopt::test::seed("power values, log-normal", 7), 1.0, 0.0);
    const Pair p(y);
    INFO("lambda " << p.power.power_lambda() << ", skewness " << skewness(p.standard.scores())
                   << " -> " << skewness(p.power.scores()));
    CHECK(p.power.power_lambda() < 0.5);
    CHECK(skewness(p.standard.scores()) > 2.0);
    CHECK(std::abs(skewness(p.power.scores())) < 0.25 * skewness(p.standard.scores()));
    CHECK(std::abs(p.power.scores().mean()) < 1e-9);
    CHECK(std::sqrt(p.power.scores().squaredNorm() / 200.0) == Approx(1.0).epsilon(1e-5));
    for (int i = 0; i < 200; ++i) {
      for (int j = 0; j < 200; ++j) {
        if (y[i] < y[j]) REQUIRE(p.power.scores()[i] < p.power.scores()[j]);
      }
    }
    // The same best point, and the chosen lambda is the likelihood's maximiser to the grid's step:
    // a brute-force profile likelihood over lambda in [-2, 1], step 0.001.
    CHECK(p.power.best() == p.standard.best());
    const Eigen::VectorXd z = p.standard.scores();
    const auto yj = [](double v, double l) {
      return v >= 0 ? (l == 0 ? std::log1p(v) : (std::pow(v + 1, l) - 1) / l)
                    : (l == 2 ? -std::log1p(-v) : -(std::pow(1 - v, 2 - l) - 1) / (2 - l));
    };
    double arg = 0.0, top = -INFINITY;
    for (int k = 0; k <= 3000; ++k) {
      const double l = -2.0 + 0.001 * k;
      Eigen::VectorXd w = z.unaryExpr([&](double v) { return yj(v, l); });
      const double var = (w.array() - w.mean()).square().mean();
      double jac = 0.0;
      for (int i = 0; i < 200; ++i) jac += (z[i] >= 0 ? 1 : -1) * std::log1p(std::abs(z[i]));
      const double ll = -100.0 * std::log(var) + (l - 1) * jac;
      if (ll > top) top = ll, arg = l;
    }
    CHECK(std::abs(p.power.power_lambda() - arg) <= 0.0125 + 1e-9);
  }
  SECTION("a heavy lower tail is left as it is (lambda <= 1 never compresses the low values)") {
    std::vector<double> y = lognormal(200, rnnopt::test::seed("power values, left tail", 10), 1.0, 0.0);
    for (double& v : y) v = -v;
    const Pair p(y);
    CHECK(skewness(p.standard.scores()) < -2.0);
    CHECK(p.power.power_lambda() == 1.0);
    // (Equal up to the second standardisation's 1e-6 in its denominator.)
    CHECK((p.power.scores() - p.standard.scores()).cwiseAbs().maxCoeff() < 1e-4);
  }
  SECTION("invariant to a positive affine map of y") {
    const std::vector<double> y = lognormal(60, rnnopt::test::seed("power values, affine", 8), 1.0, 0.0);
    std::vector<double> mapped(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) mapped[i] = 1e4 * y[i] - 3e5;
    const Pair a(y), b(mapped);
    CHECK(a.power.power_lambda() == b.power.power_lambda());
    for (int i = 0; i < 60; ++i) CHECK(a.power.scores()[i] == Approx(b.power.scores()[i]).margin(1e-6));
  }
  SECTION("Gaussian values stay nearly as they are") {
    rnnopt::Rng rng(rnnopt::test::seed("power values, gaussian", 9));
    std::vector<double> y(200);
    for (double& v : y) v = 5.0 + 2.0 * rng.normal();
    const Pair p(y);
    CHECK(p.power.power_lambda() > 0.6);
    CHECK(p.power.power_lambda() < 1.4);
    CHECK((p.power.scores() - p.standard.scores()).cwiseAbs().mean() < 0.1);
    CHECK((p.power.scores() - p.standard.scores()).cwiseAbs().maxCoeff() < 0.6);
  }
  SECTION("equal values: all scores 0") {
    const Pair p({2.0, 2.0, 2.0, 2.0});
    for (int i = 0; i < 4; ++i) CHECK(p.power.scores()[i] == 0.0);
  }
}

TEST_CASE("A power-valued acquisition model loads, replays its golden trace and runs",
          "[optimizer][acq]") {
  rnnopt::RandomModelSpec spec;
  spec.d_max = 2;
  spec.hidden_size = 8;
  spec.horizon = 20;
  spec.acquisition = small_spec();
  spec.y_normalisation = {"power", 1e-6};
  const rnnopt::ModelFile file = rnnopt::make_random_model_file(spec, 31);
  REQUIRE(file.manifest.y_normalisation.kind == "power");
  const auto model = rnnopt::make_model(rnnopt::ModelFile(file), "acq-power");  // verifies the trace
  const Box box{Eigen::Vector2d(-1.0, -1.0), Eigen::Vector2d(1.0, 1.0)};
  RnnOptimizer opt(model, box, {}, 5);
  for (int t = 0; t < 30; ++t) {
    const Eigen::VectorXd x = opt.propose();
    REQUIRE(box.contains(x));
    // Goldstein-Price-like spread: values over several orders of magnitude.
    opt.observe(x, std::exp(6.0 * quadratic(x)));
  }
  CHECK(opt.fallback_count() == 0);
  // A file with an unknown kind is refused, naming the field.
  rnnopt::ModelFile bad = file;
  bad.manifest.y_normalisation.kind = "log";
  CHECK_THROWS_WITH(bad.manifest.validate("bad.safetensors"),
                    Catch::Contains("y_normalisation kind must be rank, standard or power"));
}

TEST_CASE("Candidates lie in the box; features match a brute-force reading", "[optimizer][acq]") {
  const auto seed = rnnopt::test::seed("acq features", 5);
  AcqConfig cfg;
  cfg.d = 2;
  cfg.uniform_candidates = 50;
  cfg.local_candidates = 10;
  cfg.local_scales = {0.5, 0.01};
  cfg.neighbours = 2;
  cfg.kernels = {{KernelKind::kRbf, 0.3}};
  AcqHistory h(cfg);
  rnnopt::Rng rng(seed);
  for (int i = 0; i < 9; ++i) {
    const double x[2] = {rng.uniform(-1, 1), rng.uniform(-1, 1)};
    h.add(x, std::sin(3 * x[0]) + x[1]);
  }
  Eigen::MatrixXd C;
  h.draw_candidates(rng, C);
  REQUIRE(C.rows() == 2);
  REQUIRE(C.cols() == 60);
  CHECK(C.cwiseAbs().maxCoeff() <= 1.0);
  AcqHistory::FeatureMatrix F;
  h.features(C, F);
  REQUIRE(F.cols() == cfg.feature_width());
  REQUIRE(F.cols() == 2 * 2 + 2 + 3 * 2 + 4 + 3);
  CHECK(F.allFinite());
  const Eigen::VectorXd xb = h.points().col(h.best());
  for (int c = 0; c < C.cols(); ++c) {
    std::vector<std::pair<double, int>> nn;
    for (int i = 0; i < h.size(); ++i) nn.push_back({(h.points().col(i) - C.col(c)).norm(), i});
    std::sort(nn.begin(), nn.end());
    CHECK(F(c, 0) == Approx(C(0, c)).margin(1e-6));
    CHECK(F(c, 2) == Approx(C(0, c) - xb[0]).margin(1e-6));
    CHECK(F(c, 4) == Approx((C.col(c) - xb).norm()).margin(1e-6));
    CHECK(F(c, 6) == Approx(nn[0].first).margin(1e-6));
    CHECK(F(c, 8) == Approx(h.scores()[nn[0].second] - h.scores()[h.best()]).margin(1e-5));
    CHECK(F(c, 9) == Approx(nn[1].first).margin(1e-6));
  }
  // Local candidates of the small scale sit next to the incumbent.
  CHECK((C.col(51) - xb).norm() < 0.1);
}

TEST_CASE("Evidence features: the bank's posteriors weighted by their marginal likelihoods",
          "[optimizer][acq]") {
  const auto seed = rnnopt::test::seed("acq evidence", 8);
  AcqConfig cfg;
  cfg.d = 2;
  cfg.uniform_candidates = 30;
  cfg.local_candidates = 6;
  cfg.local_scales = {0.05};
  cfg.neighbours = 1;
  cfg.values = AcqConfig::Values::kStandard;
  cfg.kernels = {{KernelKind::kRbf, 0.1}, {KernelKind::kMatern52, 0.4}, {KernelKind::kRbf, 1.0}};
  cfg.jitter = 1e-6;
  AcqConfig plain = cfg;
  cfg.evidence = true;
  REQUIRE(cfg.feature_width() == plain.feature_width() + 3);
  AcqHistory h(cfg), g(plain);
  rnnopt::Rng rng(seed);
  const int n = 12;
  for (int i = 0; i < n; ++i) {
    const double x[2] = {rng.uniform(-1, 1), rng.uniform(-1, 1)};
    const double y = std::sin(2 * x[0]) + 0.5 * x[1] * x[1];  // smooth: long length-scales fit
    h.add(x, y);
    g.add(x, y);
  }
  Eigen::MatrixXd C;
  h.draw_candidates(rng, C);
  AcqHistory::FeatureMatrix F, G;
  h.features(C, F);
  g.features(C, G);
  REQUIRE(F.allFinite());
  // The other features are unchanged and come first.
  CHECK(F.leftCols(G.cols()) == G);
  // Reference: dense Cholesky of each kernel's matrix, log N(y~ | 0, K), softmax, mixture.
  const Eigen::MatrixXd X = h.points().leftCols(n);
  const Eigen::VectorXd s = h.scores();
  const double sb = s[h.best()];
  std::vector<double> lml;
  std::vector<Eigen::VectorXd> mus, sds;
  for (const auto& kern : cfg.kernels) {
    const DenseGp g =
        dense_gp(kern.kind, Eigen::VectorXd::Constant(2, kern.length_scale), cfg.jitter, X, s, C);
    lml.push_back(g.log_marginal);
    mus.push_back(g.mean);
    sds.push_back(g.sd);
  }
  const double top = *std::max_element(lml.begin(), lml.end());
  std::vector<double> w;
  double total = 0;
  for (double l : lml) total += std::exp(l - top);
  for (double l : lml) w.push_back(std::exp(l - top) / total);
  // The smooth function prefers the long length-scales over 0.1.
  CHECK(w[0] < w[2]);
  const int base = plain.feature_width();
  for (int c = 0; c < C.cols(); ++c) {
    double m = 0, m2 = 0, ei = 0;
    for (int b = 0; b < 3; ++b) {
      m += w[b] * mus[b][c];
      m2 += w[b] * (sds[b][c] * sds[b][c] + mus[b][c] * mus[b][c]);
      const double z = (sb - mus[b][c]) / sds[b][c];
      ei +=
          w[b] * sds[b][c] *
          (z * 0.5 * std::erfc(-z / std::sqrt(2.0)) + std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI));
    }
    CHECK(F(c, base) == Approx(m - sb).margin(1e-4));
    CHECK(F(c, base + 1) == Approx(std::log(std::sqrt(m2 - m * m)) / 4).margin(1e-4));
    if (ei > 1e-200)
      CHECK(F(c, base + 2) == Approx(std::max(std::log(ei), -30.0) / 10).margin(1e-4));
  }
}

TEST_CASE("Acquisition model files round-trip and are validated", "[optimizer][acq][model]") {
  rnnopt::RandomModelSpec spec;
  spec.d_max = 2;
  spec.hidden_size = 8;
  spec.acquisition = small_spec();
  const rnnopt::ModelFile file = rnnopt::make_random_model_file(spec, 4);
  CHECK(file.manifest.format_version == 2);
  CHECK(file.tensors.count("acq.wc") == 1);
  CHECK(file.tensors.count("head.w") == 0);
  const auto bytes = rnnopt::model_file_bytes(file);
  const rnnopt::ModelFile back = rnnopt::parse_model_bytes(bytes, "mem");
  REQUIRE(back.manifest.acquisition);
  CHECK(back.manifest.acquisition->kernels.size() == 2);
  CHECK(back.manifest.acquisition->kernels[1].kind == "matern52");
  CHECK(back.manifest.acquisition->local_scales == file.manifest.acquisition->local_scales);
  CHECK_NOTHROW(rnnopt::make_model(back, "mem"));
  CHECK_FALSE(back.manifest.acquisition->evidence);
  // With evidence the flag survives the bytes, and the network reads three more features.
  rnnopt::RandomModelSpec ev = spec;
  ev.acquisition->evidence = true;
  const rnnopt::ModelFile evf = rnnopt::make_random_model_file(ev, 4);
  const rnnopt::ModelFile evb = rnnopt::parse_model_bytes(rnnopt::model_file_bytes(evf), "mem");
  REQUIRE(evb.manifest.acquisition);
  CHECK(evb.manifest.acquisition->evidence);
  CHECK(evb.tensors.at("acq.wc").shape[1] == file.tensors.at("acq.wc").shape[1] + 3);
  CHECK_NOTHROW(rnnopt::make_model(evb, "mem"));
  // Likewise the fitted-kernel flag (three more features after the evidence ones).
  rnnopt::RandomModelSpec fi = ev;
  fi.acquisition->fitted = true;
  const rnnopt::ModelFile fif = rnnopt::make_random_model_file(fi, 4);
  const rnnopt::ModelFile fib = rnnopt::parse_model_bytes(rnnopt::model_file_bytes(fif), "mem");
  REQUIRE(fib.manifest.acquisition);
  CHECK(fib.manifest.acquisition->fitted);
  CHECK(fib.tensors.at("acq.wc").shape[1] == evf.tensors.at("acq.wc").shape[1] + 3);
  CHECK_NOTHROW(rnnopt::make_model(fib, "mem"));

  auto rejects = [&](auto edit, const std::string& fragment) {
    rnnopt::ModelFile f = file;
    edit(f);
    CHECK_THROWS_WITH(rnnopt::make_model(f, "bad.safetensors"), Catch::Contains(fragment));
  };
  rejects([](auto& f) { f.manifest.acquisition->kernels[0].kind = "cubic"; }, "cubic");
  rejects([](auto& f) { f.manifest.acquisition->uniform_candidates = 0; }, "uniform_candidates");
  rejects([](auto& f) { f.manifest.format_version = 1; }, "format_version 2");
  rejects([](auto& f) { f.manifest.y_normalisation.kind = "running"; }, "rank");
  rejects([](auto& f) { f.manifest.dims = {1, 2}; }, "dims");
  rejects(
      [](auto& f) {
        f.manifest.acquisition->kernels.clear(), f.manifest.acquisition->evidence = true;
      },
      "evidence needs at least one reference kernel");
  // Damaged weights are caught by the golden trace.
  rejects([](auto& f) { f.tensors.at("acq.wc").data[3] += 0.5f; }, "golden trace");
  // A direct-model reader's manifest without the acquisition block but format 2.
  rnnopt::ModelFile g = file;
  g.manifest.acquisition.reset();
  CHECK_THROWS_WITH(rnnopt::make_model(g, "bad"), Catch::Contains("acquisition block"));
}

TEST_CASE("RnnOptimizer (acquisition head) conforms", "[optimizer][acq][conformance]") {
  const auto model = acq_model(3, 21);
  rnnopt::test::check_conformance([&](const Box& box, std::uint64_t seed) {
    return std::make_unique<RnnOptimizer>(model, box, rnnopt::RnnOptimizerOptions{}, seed);
  });
}

TEST_CASE("An acquisition model starts at the centre and proposes candidates of its box",
          "[optimizer][acq]") {
  const auto model = acq_model(2, 22);
  const Box box{Eigen::Vector2d(-5.0, 0.0), Eigen::Vector2d(10.0, 15.0)};
  RnnOptimizer opt(model, box, {}, 3);
  const Eigen::VectorXd first = opt.propose();
  CHECK(first.isApprox(Eigen::Vector2d(2.5, 7.5)));
  opt.observe(first, 1.0);
  for (int t = 0; t < 30; ++t) {
    const Eigen::VectorXd x = opt.propose();
    REQUIRE(box.contains(x));
    opt.observe(x, quadratic(box.to_canonical(x)));
  }
  CHECK(opt.network_steps() == 31);
  CHECK(opt.fallback_count() == 0);
  // Past the horizon (20) it keeps proposing.
  CHECK(box.contains(opt.propose()));
}

TEST_CASE("Acquisition batches: constant liar on a copy, pending points handled",
          "[optimizer][acq]") {
  const auto model = acq_model(2, 23);
  const Box box = Box::canonical(2);
  RnnOptimizer a(model, box, {}, 9);
  for (int t = 0; t < 6; ++t) {
    const Eigen::VectorXd x = a.propose();
    a.observe(x, quadratic(x));
  }
  const std::string before = a.save_state();
  const auto batch = a.propose_batch(4);
  REQUIRE(batch.size() == 4);
  CHECK(a.pending().size() == 4);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    for (std::size_t j = i + 1; j < batch.size(); ++j) CHECK(batch[i] != batch[j]);
  }
  // The real state saw no lies: only the pending list and the generator moved.
  CHECK(a.network_steps() == 6);
  a.observe(batch[2], quadratic(batch[2]));
  CHECK(a.pending().size() == 3);
  CHECK(a.network_steps() == 7);
  CHECK(before != a.save_state());
}

TEST_CASE("Acquisition batches lie with the best or the mean observed value, as set",
          "[optimizer][acq]") {
  // With point p pending, the next proposal comes from a copy of the state fed (p, lie); an
  // optimizer that really observed (p, lie) proposes the same point. The two lies give different
  // proposals on some seed, so that the check can tell them apart.
  const auto model = acq_model(2, 25);
  const Box box = Box::canonical(2);
  auto warm = [&](RnnOptimizer& o) {
    double sum = 0.0;
    for (int t = 0; t < 7; ++t) {
      const Eigen::VectorXd x = o.propose();
      const double y = quadratic(x) + 3.0 * t;  // the best (the first) is far from the mean
      o.observe(x, y);
      sum += y;
    }
    return sum / 7.0;
  };
  rnnopt::RnnOptimizerOptions mean_lie;
  mean_lie.pending_lie = rnnopt::PendingLie::kMean;
  int proposals_differ = 0;
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    Eigen::VectorXd q[2];
    double lie[2];
    for (int k = 0; k < 2; ++k) {
      const rnnopt::RnnOptimizerOptions options = k == 0 ? rnnopt::RnnOptimizerOptions{} : mean_lie;
      RnnOptimizer a(model, box, options, seed);
      const double mean = warm(a);
      lie[k] = k == 0 ? a.best()->y : mean;
      const Eigen::VectorXd p = a.propose();  // pending
      q[k] = a.propose();                     // from the copy fed (p, lie)
      RnnOptimizer b(model, box, options, seed);
      warm(b);
      const Eigen::VectorXd pb = b.propose();
      REQUIRE(pb == p);
      b.observe(pb, lie[k]);
      CHECK(b.propose().isApprox(q[k], 1e-12));
    }
    if (!q[0].isApprox(q[1], 1e-12)) ++proposals_differ;
  }
  CHECK(proposals_differ > 0);
}

TEST_CASE("A restored acquisition optimizer proposes exactly what the original would",
          "[optimizer][acq][state]") {
  const auto model = acq_model(3, 24);
  const Box box{Eigen::Vector3d(-1.0, 0.0, 10.0), Eigen::Vector3d(1.0, 2.0, 20.0)};
  auto f = [&](const Eigen::VectorXd& x) { return quadratic(box.to_canonical(x)); };
  RnnOptimizer a(model, box, {}, 11);
  for (int t = 0; t < 9; ++t) {
    const Eigen::VectorXd x = a.propose();
    a.observe(x, f(x));
  }
  const auto batch = a.propose_batch(3);
  a.observe(batch[1], f(batch[1]));
  const std::string saved = a.save_state();
  RnnOptimizer b(model, box, {}, 999);
  b.restore_state(saved);
  CHECK(b.save_state() == saved);
  CHECK(b.pending().size() == 2);
  for (int t = 0; t < 10; ++t) {
    const Eigen::VectorXd xa = a.propose();
    const Eigen::VectorXd xb = b.propose();
    REQUIRE(xa == xb);
    a.observe(xa, f(xa));
    b.observe(xb, f(xb));
  }
  // A state of a direct model is refused.
  rnnopt::RandomModelSpec direct;
  direct.d_max = 3;
  RnnOptimizer c(rnnopt::make_model(rnnopt::make_random_model_file(direct, 1), "direct"), box, {},
                 1);
  CHECK_THROWS_WITH(c.restore_state(saved), Catch::Contains("another model"));
}

TEST_CASE("Non-finite acquisition scores fall back to a uniform candidate", "[optimizer][acq]") {
  rnnopt::RandomModelSpec spec;
  spec.d_max = 2;
  spec.hidden_size = 8;
  spec.acquisition = small_spec();
  rnnopt::ModelFile file = rnnopt::make_random_model_file(spec, 6);
  file.tensors.at("acq.v").data[0] = NAN;
  const auto model = rnnopt::make_model(file, "nan", {.verify_golden_trace = false});
  RnnOptimizer opt(model, Box::canonical(2), {}, 2);
  for (int t = 0; t < 5; ++t) {
    const Eigen::VectorXd x = opt.propose();
    REQUIRE(Box::canonical(2).contains(x));
    opt.observe(x, quadratic(x));
  }
  CHECK(opt.fallback_count() == 4);
}

TEST_CASE("Fitted-kernel features: per-dimension length-scales by maximum likelihood",
          "[optimizer][acq]") {
  const auto seed = rnnopt::test::seed("acq fitted", 9);
  // Values from a function that varies fast along x0 and slowly along x1 (and not at all along x2).
  AcqConfig cfg;
  cfg.d = 3;
  cfg.uniform_candidates = 30;
  cfg.local_candidates = 6;
  cfg.local_scales = {0.05};
  cfg.neighbours = 1;
  cfg.values = AcqConfig::Values::kStandard;
  cfg.kernels = {{KernelKind::kRbf, 0.3}, {KernelKind::kMatern52, 1.0}};
  cfg.jitter = 1e-6;
  AcqConfig plain = cfg;
  plain.evidence = true;
  cfg.evidence = true;
  cfg.fitted = true;
  REQUIRE(cfg.feature_width() == plain.feature_width() + 3);
  AcqHistory h(cfg), g(plain);
  rnnopt::Rng rng(seed);
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    const double x[3] = {rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)};
    const double y = std::sin(6 * x[0]) + 0.5 * std::cos(1.5 * x[1]);
    h.add(x, y);
    g.add(x, y);
  }
  Eigen::MatrixXd C;
  h.draw_candidates(rng, C);
  AcqHistory::FeatureMatrix F, G;
  h.features(C, F);
  g.features(C, G);
  REQUIRE(F.allFinite());
  CHECK(F.leftCols(G.cols()) == G);  // the other features unchanged, first
  const auto& fk = h.fitted_kernel();
  INFO("fitted length-scales " << fk.length_scales.transpose());
  // The fast dimension gets the shortest length-scale, the flat one the longest.
  CHECK(fk.length_scales[0] < fk.length_scales[1]);
  CHECK(fk.length_scales[1] < fk.length_scales[2]);
  const Eigen::MatrixXd X = h.points().leftCols(n);
  const Eigen::VectorXd s = h.scores();
  auto lm = [&](KernelKind kind, const Eigen::VectorXd& ell) {
    return rnnopt::internal::gp_log_marginal(kind, ell, X, n, s, cfg.jitter);
  };
  // gp_log_marginal against a dense reference; the fit's value is its own.
  CHECK(lm(KernelKind::kMatern52, Eigen::Vector3d(0.2, 0.7, 1.3)) ==
        Approx(dense_gp(KernelKind::kMatern52, Eigen::Vector3d(0.2, 0.7, 1.3), cfg.jitter, X, s, C)
                   .log_marginal)
            .epsilon(1e-9));
  CHECK(fk.log_marginal == lm(fk.kind, fk.length_scales));
  // Better than every reference kernel, and no single step of the search improves on it.
  for (const auto& kern : cfg.kernels) {
    CHECK(fk.log_marginal >= lm(kern.kind, Eigen::VectorXd::Constant(3, kern.length_scale)));
  }
  for (int j = 0; j < 3; ++j) {
    for (double m : {0.5, 0.7071067811865476, 1.4142135623730951, 2.0}) {
      Eigen::VectorXd ell = fk.length_scales;
      ell[j] = std::clamp(ell[j] * m, 0.02, 5.0);
      if (ell[j] != fk.length_scales[j]) CHECK(lm(fk.kind, ell) <= fk.log_marginal + 1e-9);
    }
  }
  // The last three features are that kernel's posterior at the candidates: mean - best, log sd / 4,
  // log EI / 10, from a dense reference.
  const double sb = s[h.best()];
  const DenseGp ref = dense_gp(fk.kind, fk.length_scales, cfg.jitter, X, s, C);
  const int w = cfg.feature_width();
  for (int c = 0; c < C.cols(); ++c) {
    const double mu = ref.mean[c];
    const double sd = ref.sd[c];
    INFO("candidate " << c);
    CHECK(F(c, w - 3) == Approx(mu - sb).margin(1e-4));
    CHECK(F(c, w - 2) == Approx(std::log(sd) / 4.0).margin(2e-3));
    CHECK(F(c, w - 1) ==
          Approx(std::max(rnnopt::internal::log_expected_improvement(mu, sd, sb), -30.0) / 10.0)
              .margin(2e-3));
  }
}
