#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>

#include "demos/common.h"
#include "demos/repellers_demo.h"
#include "functions/benchmarks.h"
#include "functions/repellers.h"
#include "optimizer/random.h"
#include "tests/demos/demo_test_util.h"
#include "tests/support/seed.h"

using rnnopt::test::TempDir;
using C = rnnopt::functions::RepellersConstants;

TEST_CASE("repellers: deterministic, finite, bounded reward, named instances") {
  const auto seed = rnnopt::test::seed("repellers bounded", 2024);
  rnnopt::Rng rng(seed);
  const auto base = rnnopt::functions::make_benchmark("repellers");
  const auto inst = rnnopt::functions::make_benchmark("repellers#instance-3");
  const auto again = rnnopt::functions::make_benchmark("repellers#instance-3");
  CHECK(base->dim() == 6);
  CHECK(inst->name() == "repellers#instance-3");
  CHECK_FALSE(inst->known_minimum());
  double best = 0.0;
  for (int i = 0; i < 200; ++i) {
    Eigen::VectorXd x(6);
    for (int j = 0; j < 6; ++j) x(j) = rng.uniform(-1.0, 1.0);
    for (const auto& f : {base, inst}) {
      const double y = (*f)(x);
      REQUIRE(std::isfinite(y));
      REQUIRE(y <= 0.0);
      REQUIRE(y >= -1.0);
      REQUIRE((*f)(x) == y);  // deterministic physics
      best = std::min(best, y);
    }
    REQUIRE((*again)(x) == (*inst)(x));
  }
  CHECK(best < 0.0);  // some policy brings particles near the goal
  // The box faces are accepted (instances may move the point outside [-1,1]^6 internally).
  CHECK(std::isfinite((*inst)(Eigen::VectorXd::Ones(6))));
  CHECK(std::isfinite((*inst)(-Eigen::VectorXd::Ones(6))));
  CHECK_THROWS_WITH(rnnopt::functions::make_benchmark("repellers#seven"),
                    Catch::Contains("instance-SEED"));
  CHECK_THROWS_WITH(rnnopt::functions::make_benchmark("repellers", 4),
                    Catch::Contains("6-dimensional"));
  CHECK_THROWS((*base)(Eigen::VectorXd::Zero(5)));
  // Different instances move the goal.
  const auto i1 = rnnopt::functions::make_repellers(1);
  const auto i2 = rnnopt::functions::make_repellers(2);
  CHECK((i1->goal() - i2->goal()).norm() > 1e-6);
  CHECK(i1->goal().x() >= 0.55);
  CHECK(i1->goal().x() <= 0.9);
}

TEST_CASE("repellers: without repellers particles fall straight, as the drag ODE predicts") {
  const auto f = rnnopt::functions::make_repellers();
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(6);
  theta(2) = theta(5) = -1.0;  // both strengths 0
  for (const auto& r : f->repellers(theta)) CHECK(r.strength == 0.0);
  const auto paths = f->simulate(theta);
  REQUIRE(paths.size() == static_cast<std::size_t>(C::kParticles));
  // y(t) = y0 - (G/C) t + (G/C^2)(1 - exp(-C t)) reaches 0 at t_hit.
  auto y = [](double t) {
    return C::kStartY - C::kGravity / C::kDrag * t +
           C::kGravity / (C::kDrag * C::kDrag) * (1.0 - std::exp(-C::kDrag * t));
  };
  double lo = 0.0, hi = 10.0;
  for (int k = 0; k < 100; ++k) (y(0.5 * (lo + hi)) > 0.0 ? lo : hi) = 0.5 * (lo + hi);
  const double steps_to_hit = lo / C::kDt;
  for (int p = 0; p < C::kParticles; ++p) {
    const auto& path = paths[p];
    CHECK(path.absorbed);
    for (const auto& q : path.positions) REQUIRE(q.x() == C::kStartX[p]);
    CHECK(std::abs(static_cast<double>(path.positions.size() - 1) - steps_to_hit) <= 3.0);
  }
  // A strong repeller right under the first particle pushes it away sideways/upwards.
  Eigen::VectorXd push = theta;
  push(0) = 2.0 * C::kStartX[0] - 1.0 + 0.05;  // repeller 0 just right of particle 0's column
  push(1) = 2.0 * 0.6 - 1.0;
  push(2) = 1.0;
  const auto pushed = f->simulate(push);
  double min_x = 1.0;
  for (const auto& q : pushed[0].positions) min_x = std::min(min_x, q.x());
  CHECK(min_x < C::kStartX[0] - 0.02);
}

TEST_CASE("repellers demo at a tiny size: table, best policy, trajectory files") {
  TempDir out, models;
  rnnopt::demos::RepellersConfig c;
  c.budget = 8;
  c.instances = 2;
  c.methods = {"rnn", "spearmint-fixed", "sobol", "random"};
  c.models_dir = models.path();
  c.out = out.path() / "rep";
  std::ostringstream log;
  const auto r = rnnopt::demos::run_repellers(c, log);
  CHECK(log.str().find("no shipped RNN model for d=6") != std::string::npos);
  REQUIRE(r.methods.size() == 3);
  REQUIRE(r.instance_names.size() == 2u);
  CHECK(r.instance_names[0] == "repellers#instance-1");
  for (const auto& m : r.methods) {
    for (const auto& curve : m.best_return) {
      REQUIRE(curve.size() == 8u);
      for (std::size_t t = 1; t < curve.size(); ++t) REQUIRE(curve[t] >= curve[t - 1]);
      CHECK(curve.back() >= 0.0);
      CHECK(curve.back() <= 1.0);
    }
  }
  // The reported best policy reproduces its return on instance 1.
  const auto task = rnnopt::functions::make_repellers(1);
  CHECK(-(*task)(r.best_theta) == Approx(r.best_return).margin(1e-12));
  const auto traj = rnnopt::test::read_text(c.out / "repellers_trajectories.dat");
  std::size_t blocks = 0;
  for (std::size_t pos = 0; (pos = traj.find("\n\n\n", pos)) != std::string::npos; ++pos) ++blocks;
  CHECK(blocks == static_cast<std::size_t>(C::kParticles));
  const auto lines = rnnopt::test::read_lines(c.out / "repellers_best.csv");
  REQUIRE(lines.size() == 9u);
  for (const auto& l : lines) CHECK(rnnopt::test::count_fields(l) == 1 + 3 * 3);
  CHECK(rnnopt::test::read_lines(c.out / "repellers_policy.dat").size() == 3u);
  if (!rnnopt::demos::png_terminal(10, 10).empty()) {
    CHECK(rnnopt::test::is_png(c.out / "repellers_best.png"));
    CHECK(rnnopt::test::is_png(c.out / "repellers_trajectories.png"));
  }
  c.budget = 1;
  CHECK_THROWS_WITH(rnnopt::demos::run_repellers(c, log), Catch::Contains("--budget"));
}
