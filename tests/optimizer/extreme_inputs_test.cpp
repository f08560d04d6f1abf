// The RnnOptimizer with the shipped models (models/) on inputs at the edges of what it meets in
// use: objective values of huge and tiny magnitude, and 10^6 observations. Rows of the table of
// bad inputs in tests/README.md.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/rng.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/support/seed.h"

namespace {

using rnnopt::Box;
using rnnopt::RnnOptimizer;

std::shared_ptr<const rnnopt::Model> shipped(const std::string& name) {
  return rnnopt::load_model(std::string(RNNOPT_SOURCE_DIR) + "/models/" + name + ".safetensors");
}

const Box kBox{Eigen::Vector2d(-5.0, 0.0), Eigen::Vector2d(10.0, 15.0)};

double bowl(const Eigen::VectorXd& c) { return (c.array() - 0.3).square().sum(); }

struct Run {
  std::vector<Eigen::VectorXd> canonical;  // the proposals, in canonical coordinates
  int fallbacks = 0;
};

// 30 sequential proposals, each observed with y = a * bowl(canonical x) + b, or the constant b
// when a = 0. Every proposal must be inside the box (Box::contains: finite too), and the state
// must survive a save/restore with these values.
Run run(const std::shared_ptr<const rnnopt::Model>& model, double a, double b) {
  RnnOptimizer opt(model, kBox, {}, 1);
  Run r;
  for (int t = 0; t < 30; ++t) {
    const Eigen::VectorXd x = opt.propose();
    INFO("proposal " << t << ": " << x.transpose());
    REQUIRE(kBox.contains(x));
    const Eigen::VectorXd c = kBox.to_canonical(x);
    r.canonical.push_back(c);
    const double y = a == 0.0 ? b : a * bowl(c) + b;
    REQUIRE(std::isfinite(y));
    opt.observe(x, y);
  }
  r.fallbacks = opt.fallback_count();
  RnnOptimizer restored(model, kBox, {}, 2);
  restored.restore_state(opt.save_state());
  CHECK(restored.propose() == opt.propose());
  return r;
}

double max_diff(const Run& a, const Run& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.canonical.size(); ++i) {
    m = std::max(m, (a.canonical[i] - b.canonical[i]).cwiseAbs().maxCoeff());
  }
  return m;
}

}  // namespace

TEST_CASE("Huge and tiny y scales: proposals stay finite and in the box, never NaN",
          "[optimizer][rnn][scale]") {
  // The values are normalised inside the engine by (y - mean) / (sd + 1e-6) (MODEL_FORMAT.md
  // sections 3 and 7), so y -> a y + b changes nothing while the spread of the values is
  // representable and well above 1e-6.
  for (const std::string name : {"lstm-ei-d2", "acq-std-d2", "acq-fit-d2"}) {
    INFO("model " << name);
    const auto model = shipped(name);
    const Run reference = run(model, 1.0, 0.0);
    const Run flat = run(model, 0.0, 5.0);  // a constant function
    REQUIRE(reference.fallbacks == 0);
    REQUIRE(max_diff(reference, flat) > 0.1);  // the values matter

    // Large and moderately small scales: the same proposals (float32 networks).
    for (const double a : {1e150, 1e-3}) {
      INFO("y = " << a << " f");
      const Run r = run(model, a, 0.0);
      CHECK(max_diff(reference, r) < 1e-3);
      CHECK(r.fallbacks == 0);
    }

    // Values up to ~1e307 (the LSTM's running variance overflows beyond a spread of ~1e154,
    // the acquisition models' standardisation is computed without overflow), values whose
    // differences vanish in double precision (1e300 + f), and values far below the
    // normalisation's 1e-6: never a NaN network output (fallback_count() would count it).
    for (const auto& [a, b] :
         {std::pair{1e300, 0.0}, std::pair{1e307, 0.0}, std::pair{5e307, -1e308},
          std::pair{1.0, 1e300}, std::pair{1e-300, 0.0}}) {
      INFO("y = " << a << " f + " << b);
      const Run r = run(model, a, b);
      CHECK(r.fallbacks == 0);
      const bool lstm = name == "lstm-ei-d2";
      if (b == 1e300) {
        // 1e300 + f rounds to 1e300 for every f here: a constant function.
        CHECK(max_diff(flat, r) == 0.0);
      } else if (lstm) {
        // Beyond a spread of ~1e154 the running variance overflows to infinity, and far below
        // 1e-6 the eps dominates: every normalised value is (about) 0, and the network proposes
        // what it proposes for a constant function.
        CHECK(max_diff(flat, r) == 0.0);
      } else if (a != 1e-300) {
        // The acquisition models see the same standardised values as at scale 1. (At 1e-300
        // they see values of about 1e-294 and still know which point is the best.)
        CHECK(max_diff(reference, r) < 1e-3);
      }
    }
  }
}

TEST_CASE("10^6 observations: linear time and memory, then proposals and a saved state as usual",
          "[optimizer][rnn][scale]") {
  // Warm-start observations of points the optimizer did not propose, the protocol of a caller
  // replaying a long log. With the default past-horizon policy (restart) the network takes the
  // first horizon - 1 of them; all are recorded; the first proposal after the horizon restarts a
  // segment around the incumbent. (About 0.5 s to observe, 1 s each to save and restore, 250 MB
  // at most in a Release build.)
  const auto seed = rnnopt::test::seed("10^6 observations", 6);
  const auto model = shipped("lstm-ei-d2");
  RnnOptimizer opt(model, kBox, {}, seed);
  rnnopt::Rng rng(seed);
  constexpr int kObservations = 1'000'000;
  double best_y = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_x;
  for (int i = 0; i < kObservations; ++i) {
    const Eigen::VectorXd x = kBox.from_unit(Eigen::Vector2d(rng.uniform(), rng.uniform()));
    const double y = bowl(kBox.to_canonical(x));
    opt.observe(x, y);
    if (y < best_y) {
      best_y = y;
      best_x = x;
    }
  }
  REQUIRE(opt.history().size() == static_cast<std::size_t>(kObservations));
  CHECK(opt.best()->y == best_y);
  CHECK(opt.best()->x == best_x);
  CHECK(opt.network_steps() == model->manifest().horizon);

  for (int t = 0; t < 5; ++t) {
    const Eigen::VectorXd x = opt.propose();
    REQUIRE(kBox.contains(x));
    opt.observe(x, bowl(kBox.to_canonical(x)));
  }
  CHECK(opt.restart_count() == 1);
  CHECK(opt.zoom_box().contains(best_x));
  CHECK(opt.fallback_count() == 0);

  const std::string saved = opt.save_state();
  RnnOptimizer restored(model, kBox, {}, seed + 1);
  restored.restore_state(saved);
  CHECK(restored.history().size() == opt.history().size());
  CHECK(restored.best()->y == opt.best()->y);
  for (int t = 0; t < 3; ++t) {
    const Eigen::VectorXd x = opt.propose();
    REQUIRE(restored.propose() == x);
    opt.observe(x, bowl(kBox.to_canonical(x)));
    restored.observe(x, bowl(kBox.to_canonical(x)));
  }
}
