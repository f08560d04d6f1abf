// GP prior samples: the documented draw order, gradients, the covariance against the kernel, and
// the global minimum against brute force.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <thread>
#include <vector>

#include "functions/gp_sample.h"
#include "optimizer/random.h"
#include "tests/support/compass_search.h"
#include "tests/support/seed.h"

namespace fn = rnnopt::functions;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using Kind = fn::LengthScaleDistribution::Kind;

namespace {

fn::GpPrior prior_of(rnnopt::KernelKind kernel, double ell,
                     int features = fn::GpPrior{}.num_features) {
  fn::GpPrior p;
  p.kernel = kernel;
  p.length_scale.kind = Kind::kFixed;
  p.length_scale.low = p.length_scale.high = ell;
  p.num_features = features;
  return p;
}

// F(i, j) = f evaluated with the features' x-part a . xs_i and y-part b . ys_j:
// scale * sum_m w_m cos(a_m xs_i + b_m ys_j + phase_m), as two matrix products through
// cos(u + v) = cos u cos v - sin u sin v. Lets the brute-force tests afford millions of points.
MatrixXd grid_values(const fn::GpSampleParams& p, const VectorXd& a, const VectorXd& b,
                     const VectorXd& xs, const VectorXd& ys) {
  const MatrixXd u = (xs * a.transpose()).rowwise() + p.phase.transpose();  // N1 x M
  const MatrixXd v = ys * b.transpose();                                    // N2 x M
  const MatrixXd wcu = u.array().cos().rowwise() * p.weight.transpose().array();
  const MatrixXd wsu = u.array().sin().rowwise() * p.weight.transpose().array();
  return p.scale *
         (wcu * v.array().cos().matrix().transpose() - wsu * v.array().sin().matrix().transpose());
}

// Compass search (independent of the library's L-BFGS-B) from x, inside [-1,1]^d: absolute steps
// 0.01 down to 1e-11 (relative to the box width 2: 0.005 and 5e-12).
double polish(const fn::GpSample& f, const VectorXd& x) {
  const VectorXd lo = VectorXd::Constant(x.size(), -1.0), hi = VectorXd::Ones(x.size());
  return rnnopt::test::compass_search([&](const VectorXd& y) { return f.value_unchecked(y); }, x,
                                      f.value_unchecked(x), lo, hi, 0.005, 5e-12);
}

// Checks the library's minimum of f against the brute-force grid minimum and its polish.
void check_minimum_against(const fn::GpSample& f, double grid_min,
                           const std::vector<VectorXd>& grid_best) {
  const double f_star = *f.known_minimum();
  const VectorXd x_star = f.argmin();
  CHECK((x_star.array().abs() <= 1.0).all());
  CHECK(f(x_star) == Approx(f_star).margin(1e-12));
  CHECK(f_star <= grid_min + 1e-10);  // never above any grid point
  double polished = grid_min;
  for (const VectorXd& x : grid_best) polished = std::min(polished, polish(f, x));
  CHECK(std::abs(f_star - polished) < 1e-7);
}

}  // namespace

TEST_CASE("GP samples follow the documented draw order", "[functions][gp]") {
  // Rebuild the parameters by hand from rnnopt::Rng in the order gp_sample.h documents: the
  // Torch sampler of the meta-trainer relies on it.
  fn::GpPrior prior;
  prior.kernel = rnnopt::KernelKind::kMatern52;
  prior.variance = 2.0;
  prior.length_scale = {Kind::kLogUniform, 0.1, 0.8, true};
  prior.num_features = 7;
  const int d = 3;
  const fn::GpSampleParams p = fn::draw_gp_params(prior, d, 42);
  rnnopt::Rng rng(42);
  VectorXd ell(d);
  for (int j = 0; j < d; ++j) ell[j] = std::exp(rng.uniform(std::log(0.1), std::log(0.8)));
  CHECK((p.length_scales - ell).norm() < 1e-15);
  for (int m = 0; m < 7; ++m) {
    VectorXd z(d);
    for (int j = 0; j < d; ++j) z[j] = rng.normal();
    double chi2 = 0.0;
    for (int k = 0; k < 5; ++k) {
      const double g = rng.normal();
      chi2 += g * g;
    }
    for (int j = 0; j < d; ++j) CHECK(p.omega(m, j) == Approx(z[j] / std::sqrt(chi2 / 5) / ell[j]));
  }
  for (int m = 0; m < 7; ++m) CHECK(p.phase[m] == Approx(rng.uniform(0.0, 2 * std::numbers::pi)));
  for (int m = 0; m < 7; ++m) CHECK(p.weight[m] == Approx(rng.normal()));
  CHECK(p.scale == Approx(std::sqrt(2.0 * 2.0 / 7)));
  // RBF with one fixed length-scale draws no length-scale and no chi-square.
  const fn::GpSampleParams q = fn::draw_gp_params(prior_of(rnnopt::KernelKind::kRbf, 0.5, 3), 2, 8);
  rnnopt::Rng r2(8);
  for (int m = 0; m < 3; ++m) {
    for (int j = 0; j < 2; ++j) CHECK(q.omega(m, j) == Approx(r2.normal() / 0.5));
  }
  // Same seed, same function; the value is the documented sum.
  const auto f = fn::draw_gp_sample(prior, d, 42);
  const Eigen::Vector3d x(0.1, -0.2, 0.3);
  const double expected =
      p.scale * (p.weight.array() * (p.omega * x + p.phase).array().cos()).sum();
  CHECK(f->value_unchecked(x) == Approx(expected).epsilon(1e-14));
  CHECK((*f)(x) == f->value_unchecked(x));
}

TEST_CASE("A mixed-kernel prior draws each sample's kernel first, with equal odds",
          "[functions][gp]") {
  fn::GpPrior mixed;
  mixed.mixed_kernel = true;
  mixed.length_scale = {Kind::kLogUniform, 0.1, 1.0, true};
  mixed.num_features = 5;
  CHECK(mixed.describe() == "rbf|matern52(var=1,ell~logU[0.1,1] per dim,M=5)");
  int matern = 0;
  const int n = 400;
  for (std::uint64_t seed = 0; seed < n; ++seed) {
    const fn::GpSampleParams p = fn::draw_gp_params(mixed, 2, seed);
    // Step 0 is one uniform; the rest follows the documented order for the drawn kernel.
    rnnopt::Rng rng(seed);
    const rnnopt::KernelKind expected =
        rng.uniform() < 0.5 ? rnnopt::KernelKind::kMatern52 : rnnopt::KernelKind::kRbf;
    REQUIRE(p.kernel == expected);
    const double ell0 = std::exp(rng.uniform(std::log(0.1), std::log(1.0)));
    CHECK(p.length_scales[0] == Approx(ell0).epsilon(1e-15));
    if (p.kernel == rnnopt::KernelKind::kMatern52) ++matern;
  }
  // Binomial(400, 1/2): the share lies in [0.42, 0.58] with probability ~0.9986.
  CHECK(matern > 0.42 * n);
  CHECK(matern < 0.58 * n);
  // Without mixed_kernel nothing extra is drawn: the kernel is the prior's.
  fn::GpPrior fixed = mixed;
  fixed.mixed_kernel = false;
  fixed.kernel = rnnopt::KernelKind::kMatern52;
  CHECK(fn::draw_gp_params(fixed, 2, 3).kernel == rnnopt::KernelKind::kMatern52);
}

TEST_CASE("GP sample gradients match finite differences", "[functions][gp]") {
  const auto seed = rnnopt::test::seed("gp gradient", 5);
  rnnopt::Rng rng(seed);
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    for (int d : {1, 2, 5}) {
      fn::GpPrior prior = prior_of(kernel, 0.2);
      prior.length_scale = {Kind::kUniform, 0.1, 0.6, true};
      const auto f = fn::draw_gp_sample(prior, d, rng.next_u64());
      for (int trial = 0; trial < 5; ++trial) {
        VectorXd x(d);
        for (int j = 0; j < d; ++j) x[j] = rng.uniform(-1, 1);
        const VectorXd g = f->gradient(x);
        VectorXd fd(d);
        for (int j = 0; j < d; ++j) {
          const double h = 1e-6;
          VectorXd xp = x, xm = x;
          xp[j] += h;
          xm[j] -= h;
          fd[j] = (f->value_unchecked(xp) - f->value_unchecked(xm)) / (2 * h);
        }
        INFO("d=" << d << " g=" << g.transpose() << " fd=" << fd.transpose());
        CHECK((g - fd).norm() < 1e-6 * (1.0 + g.norm()));
      }
    }
  }
}

TEST_CASE("The covariance of many GP samples matches the kernel", "[functions][gp]") {
  // E[f(x) f(x')] over samples equals k(x, x') for any number of features, so this checks the
  // frequencies (their distribution and length-scales), the phases and the scale. Each entry of
  // the empirical second-moment matrix must lie within 4.5 of its own standard errors
  // (estimated from the data) of the kernel; with 20000 samples a standard error is about 0.01,
  // while confusing the kernels differs by 0.08 at r = ell and a 10% wrong length-scale by 0.05.
  const auto seed = rnnopt::test::seed("gp covariance", 31);
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    const double ell = 0.4;
    fn::GpPrior prior = prior_of(kernel, ell, 64);
    prior.variance = 2.5;
    // Points along a direction at r/ell = 0, 0.5, 1, 1.5, 2.5, plus one off-axis.
    std::vector<VectorXd> points;
    const Eigen::Vector2d dir = Eigen::Vector2d(0.6, 0.8);
    for (double r : {0.0, 0.5, 1.0, 1.5, 2.5}) points.push_back(-0.6 * dir + r * ell * dir);
    points.push_back(Eigen::Vector2d(0.5, -0.5));
    const int n = 20000, p = static_cast<int>(points.size());
    MatrixXd values(n, p);
    for (int s = 0; s < n; ++s) {
      const auto f =
          fn::draw_gp_sample(prior, 2, rnnopt::derive_seed(seed, static_cast<unsigned>(s)));
      for (int i = 0; i < p; ++i)
        values(s, i) = f->value_unchecked(points[static_cast<std::size_t>(i)]);
    }
    for (int i = 0; i < p; ++i) {
      for (int j = i; j < p; ++j) {
        const Eigen::ArrayXd prod = values.col(i).array() * values.col(j).array();
        const double mean = prod.mean();
        const double se = std::sqrt((prod - mean).square().sum() / (n - 1) / n);
        const double k =
            prior.kernel_value(points[static_cast<std::size_t>(i)],
                               points[static_cast<std::size_t>(j)], VectorXd::Constant(1, ell));
        INFO(prior.describe() << " (" << i << ", " << j << "): empirical " << mean << " kernel "
                              << k << " se " << se);
        CHECK(std::abs(mean - k) < 4.5 * se);
      }
    }
  }
}

TEST_CASE("Per-dimension length-scales divide each dimension's frequencies", "[functions][gp]") {
  // Column j of omega has standard deviation 1/ell_j (RBF) or sqrt(5/3)/ell_j (Student-t with 5
  // degrees of freedom, Matern-5/2). 4096 features give about 1.1% (RBF) and 4% (heavier-tailed
  // t) standard error on the standard deviation; the tolerance is 8% and 20%.
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    fn::GpPrior prior = prior_of(kernel, 0.3, 4096);
    prior.length_scale = {Kind::kUniform, 0.05, 1.0, true};
    const fn::GpSampleParams p = fn::draw_gp_params(prior, 3, 17);
    for (int j = 0; j < 3; ++j) {
      const double sd = std::sqrt(p.omega.col(j).squaredNorm() / p.omega.rows());
      const double expected =
          (kernel == rnnopt::KernelKind::kRbf ? 1.0 : std::sqrt(5.0 / 3.0)) / p.length_scales[j];
      CHECK(std::abs(sd / expected - 1.0) < (kernel == rnnopt::KernelKind::kRbf ? 0.08 : 0.2));
    }
    CHECK(p.length_scales[0] != p.length_scales[1]);
    CHECK((p.length_scales.array() >= 0.05).all());
    CHECK((p.length_scales.array() <= 1.0).all());
  }
}

TEST_CASE("One sample's own covariance is close to the kernel with the default features",
          "[functions][gp]") {
  // Given its frequencies and phases, a sample is exactly Gaussian with covariance
  // k_M(x, x') = (2 var / M) sum_m cos(omega_m x + b_m) cos(omega_m x' + b_m). With the default
  // M its root-mean-square deviation from the kernel over random pairs is about sqrt(0.9 / M)
  // (0.03 for M = 1024, measured: see gp_sample.h); the test allows 1.8 times that.
  const auto seed = rnnopt::test::seed("gp sample covariance", 8);
  rnnopt::Rng rng(seed);
  const fn::GpPrior defaults;
  const double bound = 1.8 * std::sqrt(0.9 / defaults.num_features);
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    for (int s = 0; s < 3; ++s) {
      fn::GpPrior prior = defaults;
      prior.kernel = kernel;
      const int d = 3;
      const fn::GpSampleParams p = fn::draw_gp_params(prior, d, rng.next_u64());
      double sum_sq = 0.0;
      const int pairs = 400;
      for (int i = 0; i < pairs; ++i) {
        VectorXd x(d), y(d);
        for (int j = 0; j < d; ++j) x[j] = rng.uniform(-1, 1);
        // Offsets up to 3 length-scales, where the kernel is not negligible.
        for (int j = 0; j < d; ++j)
          y[j] = x[j] + rng.uniform(-1, 1) * 3 * p.length_scales[j] / std::sqrt(d);
        const Eigen::ArrayXd cx = (p.omega * x + p.phase).array().cos();
        const Eigen::ArrayXd cy = (p.omega * y + p.phase).array().cos();
        const double k_m = p.scale * p.scale * (cx * cy).sum();
        const double k = prior.kernel_value(x, y, p.length_scales);
        sum_sq += (k_m - k) * (k_m - k);
      }
      const double rms = std::sqrt(sum_sq / pairs);
      INFO(prior.describe() << ": rms " << rms << " bound " << bound);
      CHECK(rms < bound);
    }
  }
}

TEST_CASE("The GP minimum matches brute force on a fine grid in 1-D", "[functions][gp]") {
  // 200 000 grid points (spacing 1e-5) as 200 x 1000 sums u + v, then a compass polish from the
  // best grid points.
  const auto seed = rnnopt::test::seed("gp minimum 1d", 101);
  VectorXd coarse(200), fine(1000);
  for (int i = 0; i < 200; ++i) coarse[i] = -1.0 + 0.01 * i;
  for (int i = 0; i < 1000; ++i) fine[i] = 1e-5 * i;
  int sample = 0;
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    for (double ell : {0.05, 0.1, 0.3}) {
      const auto f = fn::draw_gp_sample(prior_of(kernel, ell), 1,
                                        rnnopt::derive_seed(seed, static_cast<unsigned>(sample++)));
      INFO(f->name());
      const auto& p = f->params();
      MatrixXd grid = grid_values(p, p.omega.col(0), p.omega.col(0), coarse, fine);
      Eigen::Index i = 0, j = 0;
      double grid_min = grid.minCoeff(&i, &j);
      const double at_one = f->value_unchecked(VectorXd::Ones(1));
      std::vector<VectorXd> best{VectorXd::Constant(1, coarse[i] + fine[j]), VectorXd::Ones(1)};
      grid_min = std::min(grid_min, at_one);
      check_minimum_against(*f, grid_min, best);
    }
  }
}

TEST_CASE("The GP minimum matches brute force on a fine grid in 2-D", "[functions][gp]") {
  // A 1001 x 1001 grid (spacing 0.002), then a compass polish from the best 5 grid points.
  const auto seed = rnnopt::test::seed("gp minimum 2d", 202);
  const VectorXd axis = VectorXd::LinSpaced(1001, -1.0, 1.0);
  int sample = 0;
  for (rnnopt::KernelKind kernel : {rnnopt::KernelKind::kRbf, rnnopt::KernelKind::kMatern52}) {
    for (double ell : {0.1, 0.3}) {
      const auto f = fn::draw_gp_sample(prior_of(kernel, ell), 2,
                                        rnnopt::derive_seed(seed, static_cast<unsigned>(sample++)));
      INFO(f->name());
      const auto& p = f->params();
      MatrixXd grid = grid_values(p, p.omega.col(0), p.omega.col(1), axis, axis);
      std::vector<VectorXd> best;
      const double grid_min = grid.minCoeff();
      for (int b = 0; b < 5; ++b) {
        Eigen::Index i = 0, j = 0;
        grid.minCoeff(&i, &j);
        best.push_back(Eigen::Vector2d(axis[i], axis[j]));
        // Blank out the neighbourhood so the next pick is another basin.
        for (Eigen::Index a = std::max<Eigen::Index>(0, i - 25);
             a < std::min<Eigen::Index>(1001, i + 26); ++a) {
          for (Eigen::Index c = std::max<Eigen::Index>(0, j - 25);
               c < std::min<Eigen::Index>(1001, j + 26); ++c) {
            grid(a, c) = INFINITY;
          }
        }
      }
      check_minimum_against(*f, grid_min, best);
    }
  }
}

TEST_CASE("The GP minimum is computed once, thread-safely", "[functions][gp]") {
  const auto f = fn::draw_gp_sample({}, 2, 3);
  std::vector<double> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = *f->known_minimum(); });
  }
  for (auto& th : threads) th.join();
  for (double v : seen) CHECK(v == seen.front());
  CHECK(f->argmin().size() == 2);
}

TEST_CASE("GpPrior describes itself and evaluates its kernel", "[functions][gp]") {
  fn::GpPrior prior;
  CHECK(prior.describe() == "rbf(var=1,ell=0.3)");
  prior.kernel = rnnopt::KernelKind::kMatern52;
  prior.length_scale = {Kind::kUniform, 0.1, 0.5, true};
  prior.num_features = 128;
  CHECK(prior.describe() == "matern52(var=1,ell~U[0.1,0.5] per dim,M=128)");
  prior.length_scale.kind = Kind::kLogUniform;
  CHECK(prior.describe().find("ell~logU[0.1,0.5]") != std::string::npos);

  const Eigen::Vector2d x(0.1, 0.2), y(0.4, -0.2);
  const double r = (x - y).norm() / 0.3;
  fn::GpPrior rbf = prior_of(rnnopt::KernelKind::kRbf, 0.3);
  rbf.variance = 2.0;
  CHECK(rbf.kernel_value(x, y, VectorXd::Constant(1, 0.3)) == Approx(2.0 * std::exp(-r * r / 2)));
  CHECK(rbf.kernel_value(x, y, VectorXd::Constant(2, 0.3)) == Approx(2.0 * std::exp(-r * r / 2)));
  const fn::GpPrior matern = prior_of(rnnopt::KernelKind::kMatern52, 0.3);
  const double s = std::sqrt(5.0) * r;
  CHECK(matern.kernel_value(x, y, VectorXd::Constant(1, 0.3)) ==
        Approx((1 + s + s * s / 3) * std::exp(-s)));
  // Anisotropic: each difference divided by its own length-scale.
  const double ra = std::hypot(0.3 / 0.2, 0.4 / 0.8);
  CHECK(rbf.kernel_value(x, y, Eigen::Vector2d(0.2, 0.8)) == Approx(2.0 * std::exp(-ra * ra / 2)));
  CHECK(rbf.kernel_value(x, x, Eigen::Vector2d(0.2, 0.8)) == Approx(2.0));
}

TEST_CASE("GP priors and samples reject bad input", "[functions][gp][errors]") {
  fn::GpPrior p;
  p.variance = 0;
  CHECK_THROWS_WITH(p.validate(),
                    Catch::Contains("GpPrior::validate()") && Catch::Contains("variance"));
  p = {};
  p.num_features = 0;
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("num_features"));
  p = {};
  p.length_scale.low = -1;
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("length_scale.low"));
  p = {};
  p.length_scale = {Kind::kUniform, 0.5, 0.2, false};
  CHECK_THROWS_WITH(p.validate(), Catch::Contains("length_scale.high"));
  p = {};
  p.length_scale.high = -5;  // ignored for a fixed length-scale
  CHECK_NOTHROW(p.validate());
  CHECK_THROWS_WITH(fn::draw_gp_sample({}, 0, 1), Catch::Contains("d must be >= 1"));
  CHECK_THROWS_WITH(fn::draw_gp_params({}, -1, 1), Catch::Contains("d must be >= 1"));
  p.variance = -1;
  CHECK_THROWS_WITH(fn::draw_gp_sample(p, 2, 1), Catch::Contains("variance"));
  const fn::GpPrior ok;
  CHECK_THROWS_WITH(
      ok.kernel_value(Eigen::Vector2d(0, 0), Eigen::Vector3d(0, 0, 0), VectorXd::Ones(1)),
      Catch::Contains("x2 has 3"));
  CHECK_THROWS_WITH(
      ok.kernel_value(Eigen::Vector2d(0, 0), Eigen::Vector2d(0, 0), VectorXd::Ones(3)),
      Catch::Contains("length_scales has 3"));
  CHECK_THROWS_WITH(
      ok.kernel_value(Eigen::Vector2d(0, 0), Eigen::Vector2d(0, 0), VectorXd::Zero(1)),
      Catch::Contains("> 0"));
  const auto f = fn::draw_gp_sample({}, 2, 1);
  CHECK_THROWS_WITH((*f)(Eigen::Vector2d(1.5, 0)),
                    Catch::Contains("gp:d=2") && Catch::Contains("outside"));
  CHECK_THROWS_WITH(f->gradient(VectorXd::Zero(3)), Catch::Contains("3 dims, expected 2"));
  fn::GpSampleParams bad = f->params();
  bad.phase.resize(3);
  CHECK_THROWS_WITH(fn::GpSample(bad, 1, "x"), Catch::Contains("phase and weight"));
}
