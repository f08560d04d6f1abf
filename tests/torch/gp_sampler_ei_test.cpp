// The Torch GP sampler equals functions/ (values and gradients), and the Torch EI of the EI loss
// equals a closed-form computation (Eigen Cholesky + Boost.Math normal) on small cases.
#include <Eigen/Cholesky>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>

#include "baselines/internal/gp.h"
#include "core/kernel.h"
#include "functions/gp_sample.h"
#include "meta_train/trainer.h"
#include "optimizer/random.h"
#include "tests/support/seed.h"

using rnnopt::KernelKind;
using rnnopt::functions::GpPrior;

namespace {

Eigen::VectorXd uniform_point(rnnopt::Rng& rng, int d) {
  Eigen::VectorXd x(d);
  for (int j = 0; j < d; ++j) x(j) = rng.uniform(-1.0, 1.0);
  return x;
}

struct Posterior {
  double improvement, sigma;  // best - mu(x), sigma(x)
};

// The noise-free GP posterior with K + jitter * variance * I at x, in closed form.
Posterior closed_form_posterior(const GpPrior& prior, const Eigen::VectorXd& ls,
                                const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                const Eigen::VectorXd& x, double jitter) {
  const Eigen::Index n = X.rows();
  Eigen::MatrixXd k(n, n);
  Eigen::VectorXd kx(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      k(i, j) = prior.kernel_value(X.row(i).transpose(), X.row(j).transpose(), ls);
    }
    k(i, i) += jitter * prior.variance;
    kx(i) = prior.kernel_value(X.row(i).transpose(), x, ls);
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(k);
  const double mu = kx.dot(llt.solve(y));
  const double var = prior.kernel_value(x, x, ls) - kx.dot(llt.solve(kx));
  const double sigma = std::sqrt(std::max(var, 1e-10 * prior.variance));
  return {y.minCoeff() - mu, sigma};
}

// EI over min(y) of that posterior, in closed form.
double closed_form_ei(const GpPrior& prior, const Eigen::VectorXd& ls, const Eigen::MatrixXd& X,
                      const Eigen::VectorXd& y, const Eigen::VectorXd& x, double jitter) {
  const auto [improvement, sigma] = closed_form_posterior(prior, ls, X, y, x, jitter);
  const boost::math::normal normal;
  const double z = improvement / sigma;
  return improvement * boost::math::cdf(normal, z) + sigma * boost::math::pdf(normal, z);
}

// Random GP data for the EI and posterior cases: length-scales U(ls_lo, ls_hi) per dimension,
// n uniform points of [-1,1]^d with standard normal values (drawn in this order).
struct GpData {
  Eigen::VectorXd ls;
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
};
GpData random_gp_data(rnnopt::Rng& rng, int n, int d, double ls_lo, double ls_hi) {
  GpData g{Eigen::VectorXd(d), Eigen::MatrixXd(n, d), Eigen::VectorXd(n)};
  for (int j = 0; j < d; ++j) g.ls(j) = rng.uniform(ls_lo, ls_hi);
  for (int i = 0; i < n; ++i) {
    g.X.row(i) = uniform_point(rng, d).transpose();
    g.y(i) = rng.normal();
  }
  return g;
}

}  // namespace

TEST_CASE("Torch GP sampler equals functions/ in values and gradients", "[torch]") {
  const auto seed = rnnopt::test::seed("torch gp sampler", 20240611);
  for (KernelKind kernel : {KernelKind::kRbf, KernelKind::kMatern52}) {
    for (int d : {1, 2, 5}) {
      GpPrior prior;
      prior.kernel = kernel;
      prior.num_features = 256;
      prior.length_scale.kind = rnnopt::functions::LengthScaleDistribution::Kind::kUniform;
      prior.length_scale.low = 0.2;
      prior.length_scale.high = 0.6;
      prior.length_scale.per_dimension = true;
      rnnopt::Rng rng(rnnopt::derive_seed(seed, d));
      std::vector<rnnopt::functions::GpSampleParams> params;
      std::vector<Eigen::VectorXd> xs;
      std::vector<std::shared_ptr<rnnopt::functions::GpSample>> samples;
      for (int i = 0; i < 6; ++i) {
        const std::uint64_t s = rnnopt::derive_seed(seed, 100 * d + i);
        params.push_back(rnnopt::functions::draw_gp_params(prior, d, s));
        samples.push_back(rnnopt::functions::draw_gp_sample(prior, d, s));
        xs.push_back(uniform_point(rng, d));
      }
      std::vector<Eigen::VectorXd> grads64, grads32;
      const auto v64 = rnnopt::train::torch_gp_values(params, xs, &grads64, true);
      const auto v32 = rnnopt::train::torch_gp_values(params, xs, &grads32, false);
      for (int i = 0; i < 6; ++i) {
        INFO("kernel " << static_cast<int>(kernel) << " d " << d << " function " << i);
        const double f = samples[i]->value_unchecked(xs[i]);
        const Eigen::VectorXd g = samples[i]->gradient(xs[i]);
        CHECK(v64[i] == Approx(f).margin(1e-10));
        CHECK(v32[i] == Approx(f).margin(2e-5));
        CHECK((grads64[i] - g).cwiseAbs().maxCoeff() < 1e-9);
        CHECK((grads32[i] - g).cwiseAbs().maxCoeff() < 1e-4 * (1.0 + g.cwiseAbs().maxCoeff()));
      }
    }
  }
}

TEST_CASE("Torch EI equals the closed form on small cases", "[torch]") {
  const auto seed = rnnopt::test::seed("torch ei", 777);
  rnnopt::Rng rng(seed);
  for (KernelKind kernel : {KernelKind::kRbf, KernelKind::kMatern52}) {
    for (int n : {1, 2, 5, 9}) {
      const int d = 1 + n % 3;
      GpPrior prior;
      prior.kernel = kernel;
      prior.variance = 1.7;
      const auto [ls, X, y] = random_gp_data(rng, n, d, 0.2, 0.8);
      for (int trial = 0; trial < 4; ++trial) {
        const Eigen::VectorXd x = uniform_point(rng, d);
        const double jitter = 1e-4;
        const double expected = closed_form_ei(prior, ls, X, y, x, jitter);
        const double got = rnnopt::train::torch_expected_improvement(prior, ls, X, y, x, jitter);
        INFO("kernel " << static_cast<int>(kernel) << " n " << n << " trial " << trial);
        CHECK(got == Approx(expected).epsilon(1e-8).margin(1e-10));
      }
    }
  }
  // Far from all data EI approaches E[max(best - f, 0)] under the prior; at an observed point it
  // is near 0 (up to the jitter).
  GpPrior prior;
  Eigen::VectorXd ls = Eigen::VectorXd::Constant(1, 0.1);
  Eigen::MatrixXd X(1, 1);
  X << 0.0;
  Eigen::VectorXd y(1);
  y << 0.5;
  CHECK(rnnopt::train::torch_expected_improvement(prior, ls, X, y, X.row(0).transpose(), 1e-6) <
        1e-3);
}

TEST_CASE("The Torch GP posterior equals the baselines' Eigen one: mean, variance and EI",
          "[torch]") {
  // One GP math: the trainer's Torch posterior (the EI loss, on [-1,1]^d, relative jitter) and
  // baselines::internal::GpPosterior (every GP baseline, on the unit cube, absolute jitter) on the
  // same data, at the EI loss's jitter (TrainConfig::ei_jitter, 1e-4 of the variance). The unit
  // cube is [-1,1]^d halved: u = (x + 1) / 2 with length-scales ell / 2. The two differ by design
  // only in the Torch Matern-5/2's 1e-12 under the square root (a finite gradient at r = 0).
  const auto seed = rnnopt::test::seed("torch eigen posterior parity", 4242);
  rnnopt::Rng rng(seed);
  namespace bi = rnnopt::baselines::internal;
  for (KernelKind kernel : {KernelKind::kRbf, KernelKind::kMatern52}) {
    for (int n : {1, 3, 8, 20}) {
      const int d = 1 + n % 4;
      GpPrior prior;
      prior.kernel = kernel;
      prior.variance = 1.3;
      const auto [ls, X, y] = random_gp_data(rng, n, d, 0.15, 0.9);
      const double jitter = 1e-4;
      bi::GpHypers h = bi::GpHypers::defaults(d);
      h.amp2 = prior.variance;
      h.ls = ls / 2.0;
      bi::GpPosterior eigen(kernel, h, prior.variance * jitter);
      eigen.fit(((X.array() + 1.0) / 2.0).matrix(), y);
      for (int trial = 0; trial < 5; ++trial) {
        const Eigen::VectorXd x = uniform_point(rng, d);
        const auto torch = rnnopt::train::torch_gp_prediction(prior, ls, X, y, x, jitter);
        const bi::PointPrediction p = eigen.predict_point((x.array() + 1.0) / 2.0, false);
        const double ei = bi::expected_improvement(y.minCoeff(), p.mean, std::sqrt(p.var)).ei;
        INFO("kernel " << rnnopt::kernel_name(kernel) << ", n " << n << ", d " << d << ", trial "
                       << trial);
        CHECK(torch.mean == Approx(p.mean).epsilon(1e-7).margin(1e-9));
        CHECK(torch.var == Approx(p.var).epsilon(1e-6).margin(1e-9));
        CHECK(torch.ei == Approx(ei).epsilon(1e-6).margin(1e-9));
      }
    }
  }
}

TEST_CASE("Torch log EI equals log of the closed form, and its asymptotic series far below",
          "[torch]") {
  // EI = sigma h(z). For z > -8 the closed form in double is exact enough to take its log; for
  // z < -15, where EI underflows in float32 and loses digits in double, h(z) = phi(z) / z^2 *
  // (1 - 3/z^2 + 15/z^4 - 105/z^6 + 945/z^8 - ...) to a relative 1e-8.
  const auto seed = rnnopt::test::seed("torch log ei", 4242);
  rnnopt::Rng rng(seed);
  int direct = 0, asymptotic = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + trial % 3;
    const int d = 1 + trial % 2;
    GpPrior prior;
    Eigen::VectorXd ls = Eigen::VectorXd::Constant(d, rng.uniform(0.2, 0.6));
    Eigen::MatrixXd X(n, d);
    Eigen::VectorXd y(n);
    const double scale = std::pow(10.0, rng.uniform(0.0, 2.0));  // 1 .. 100: z down to ~ -100
    for (int i = 0; i < n; ++i) {
      X.row(i) = uniform_point(rng, d).transpose() * 0.3;
      y(i) = -scale + 0.1 * rng.normal();
    }
    const Eigen::VectorXd x = uniform_point(rng, d) * 0.5;
    const double jitter = 1e-4;
    const auto [improvement, sigma] = closed_form_posterior(prior, ls, X, y, x, jitter);
    const double z = improvement / sigma;
    const double got = rnnopt::train::torch_expected_improvement(prior, ls, X, y, x, jitter, true);
    INFO("trial " << trial << " z " << z);
    REQUIRE(std::isfinite(got));
    if (z > -8.0) {
      ++direct;
      CHECK(got == Approx(std::log(closed_form_ei(prior, ls, X, y, x, jitter))).margin(1e-6));
    } else if (z < -15.0) {
      ++asymptotic;
      const double w = 1.0 / (z * z);
      const double series = w * (1 - 3 * w + 15 * w * w - 105 * w * w * w + 945 * w * w * w * w);
      const double expected =
          std::log(sigma) - 0.5 * z * z - 0.5 * std::log(2 * M_PI) + std::log(series);
      CHECK(got == Approx(expected).margin(1e-7 + 1e-9 * z * z));  // z^2/2 amplifies z's error
    }
  }
  CHECK(direct >= 20);
  CHECK(asymptotic >= 20);
}
