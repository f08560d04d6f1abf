// Conformance, options and behaviour of the GP optimizers: SpearmintOptimizer, SpearmintFixed,
// GpUcb.
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "baselines/gp_ucb.h"
#include "baselines/internal/gp.h"
#include "baselines/spearmint.h"
#include "tests/support/conformance.h"

using rnnopt::Box;
using rnnopt::KernelKind;
using rnnopt::baselines::FixedGpOptions;
using rnnopt::baselines::GpUcb;
using rnnopt::baselines::GpUcbOptions;
using rnnopt::baselines::SpearmintFixed;
using rnnopt::baselines::SpearmintOptimizer;
using rnnopt::baselines::SpearmintOptions;

namespace {

// A reduced-cost Spearmint for tests: the same algorithm with a smaller grid and chain.
SpearmintOptions cheap_spearmint() {
  SpearmintOptions o;
  o.burn_in = 20;
  o.mcmc_iters = 3;
  o.search.grid_size = 500;
  o.search.grid_subset = 3;
  o.search.lbfgs_max_iterations = 30;
  return o;
}

FixedGpOptions cheap_fixed() {
  FixedGpOptions o;
  o.search.grid_size = 500;
  o.search.grid_subset = 3;
  o.search.lbfgs_max_iterations = 30;
  return o;
}

}  // namespace

TEST_CASE("SpearmintOptimizer conforms", "[baselines][conformance][spearmint]") {
  rnnopt::test::ConformanceOptions c;
  c.steps = 8;
  rnnopt::test::check_conformance(
      [](const Box& box, std::uint64_t seed) {
        return std::make_unique<SpearmintOptimizer>(box, cheap_spearmint(), seed);
      },
      c);
}

TEST_CASE("SpearmintOptimizer (noiseless, no warping) conforms",
          "[baselines][conformance][spearmint]") {
  rnnopt::test::ConformanceOptions c;
  c.steps = 6;
  rnnopt::test::check_conformance(
      [](const Box& box, std::uint64_t seed) {
        SpearmintOptions o = cheap_spearmint();
        o.noisy = false;
        o.warp = false;
        return std::make_unique<SpearmintOptimizer>(box, o, seed);
      },
      c);
}

TEST_CASE("SpearmintFixed conforms", "[baselines][conformance][spearmint]") {
  for (KernelKind kernel : {KernelKind::kRbf, KernelKind::kMatern52}) {
    for (bool standardize : {false, true}) {
      rnnopt::test::check_conformance([&](const Box& box, std::uint64_t seed) {
        FixedGpOptions o = cheap_fixed();
        o.kernel = kernel;
        o.standardize_y = standardize;
        return std::make_unique<SpearmintFixed>(box, o, seed);
      });
    }
  }
}

TEST_CASE("GpUcb conforms", "[baselines][conformance][gp-ucb]") {
  rnnopt::test::check_conformance([](const Box& box, std::uint64_t seed) {
    GpUcbOptions o;
    o.gp = cheap_fixed();
    return std::make_unique<GpUcb>(box, o, seed);
  });
}

TEST_CASE("Spearmint starts at the Sobol corner and centre", "[baselines][spearmint]") {
  const Box box{Eigen::Vector2d(-5.0, 0.0), Eigen::Vector2d(10.0, 15.0)};
  SpearmintOptimizer opt(box, cheap_spearmint(), 3);
  const auto first = opt.propose_batch(2);
  CHECK(first[0] == box.lower);
  CHECK(first[1] == Eigen::Vector2d(2.5, 7.5));
  CHECK(opt.stats().fits == 0);
  opt.observe(first[1], 1.0);
  opt.observe(first[0], 2.0);
  opt.propose();
  CHECK(opt.stats().fits == 1);
  CHECK(opt.stats().mcmc_iterations == 20 + 3);  // burn-in once, then mcmc_iters per fit
  CHECK(opt.hyper_samples().size() == 3);
  opt.observe(opt.pending()[0], 0.5);
  opt.propose();
  CHECK(opt.stats().mcmc_iterations == 20 + 3 + 3);
  for (const auto& h : opt.hyper_samples()) {
    CHECK(h.amp2 > 0.0);
    CHECK(h.noise > 0.0);
    CHECK((h.ls.array() > 0.0).all());
    CHECK((h.ls.array() < 10.0).all());
    CHECK((h.alpha.array() >= 0.1).all());
    CHECK((h.beta.array() <= 10.0).all());
  }
}

TEST_CASE("Spearmint and the fixed GP move towards the minimum of a quadratic",
          "[baselines][spearmint]") {
  // After 20 observations of a bowl, the best point is near its minimum at (0.7, 0.2). Default
  // Spearmint options (about 1.5 s): the reduced chain explores the faces for longer.
  auto f = [](const Eigen::VectorXd& x) {
    return (x[0] - 0.7) * (x[0] - 0.7) + (x[1] - 0.2) * (x[1] - 0.2);
  };
  const Box box = Box::unit(2);
  SpearmintOptimizer spearmint(box, SpearmintOptions{}, 5);
  FixedGpOptions fo = cheap_fixed();
  fo.length_scales = Eigen::VectorXd::Constant(1, 0.5);
  fo.standardize_y = true;
  SpearmintFixed fixed(box, fo, 5);
  for (rnnopt::Optimizer* opt :
       {static_cast<rnnopt::Optimizer*>(&spearmint), static_cast<rnnopt::Optimizer*>(&fixed)}) {
    for (int t = 0; t < 20; ++t) {
      const Eigen::VectorXd x = opt->propose();
      opt->observe(x, f(x));
    }
    INFO(opt->name() << " best " << opt->best()->y);
    CHECK(opt->best()->y < 0.01);
  }
}

TEST_CASE("GP optimizers reject bad options with a clear message", "[baselines][options]") {
  const Box box = Box::unit(2);
  auto rejects = [](auto&& make, const std::string& fragment) {
    try {
      make();
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(fragment) != std::string::npos);
    }
  };
  SpearmintOptions s;
  s.mcmc_iters = 0;
  rejects([&] { SpearmintOptimizer(box, s, 1); }, "mcmc_iters");
  s = SpearmintOptions{};
  s.search.grid_size = 0;
  rejects([&] { SpearmintOptimizer(box, s, 1); }, "search.grid_size");
  s = SpearmintOptions{};
  s.warp_min = 2.0;
  rejects([&] { SpearmintOptimizer(box, s, 1); }, "warp_min");
  FixedGpOptions f;
  f.length_scales = Eigen::VectorXd::Constant(3, 0.1);
  rejects([&] { SpearmintFixed(box, f, 1); }, "length_scales has 3 values");
  f = FixedGpOptions{};
  f.amplitude2 = -1.0;
  rejects([&] { SpearmintFixed(box, f, 1); }, "amplitude2");
  GpUcbOptions u;
  u.delta = 1.5;
  rejects([&] { GpUcb(box, u, 1); }, "delta");
  CHECK_NOTHROW(SpearmintOptions{}.validate());
}

TEST_CASE("GP-UCB beta follows the Srinivas et al. finite-set schedule", "[baselines][gp-ucb]") {
  GpUcbOptions o;
  o.gp = cheap_fixed();
  o.delta = 0.1;
  GpUcb opt(Box::unit(1), o, 2);
  const double d = 500.0;
  const double pi2 = M_PI * M_PI;
  CHECK(opt.beta() == Approx(2.0 * std::log(d * 1.0 * pi2 / 0.6)));
  for (int t = 0; t < 3; ++t) {
    const Eigen::VectorXd x = opt.propose();
    opt.observe(x, std::sin(5.0 * x[0]));
  }
  CHECK(opt.beta() == Approx(2.0 * std::log(d * 16.0 * pi2 / 0.6)));
}
