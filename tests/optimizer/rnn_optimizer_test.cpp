// RnnOptimizer: conformance, box mapping, y-normalisation, batches (constant liar, the parallel
// scheme), past-horizon policies, NaN fallback, save/restore, sharing a model across threads.
#include <catch2/catch.hpp>
#include <cmath>
#include <thread>

#include "optimizer/internal/session.h"
#include "optimizer/rnn_optimizer.h"
#include "tests/support/conformance.h"
#include "tests/support/seed.h"

namespace {

using rnnopt::Box;
using rnnopt::PastHorizonPolicy;
using rnnopt::RnnOptimizer;
using rnnopt::RnnOptimizerOptions;

std::shared_ptr<const rnnopt::Model> model_of(rnnopt::RandomModelSpec spec, std::uint64_t seed) {
  return rnnopt::make_model(rnnopt::make_random_model_file(spec, seed));
}

rnnopt::RandomModelSpec lstm_spec(int d) {
  rnnopt::RandomModelSpec spec;
  spec.d_max = d;
  spec.hidden_size = 24;
  spec.num_layers = 2;
  spec.input_features = {"x", "y", "budget", "best_y"};
  spec.weight_scale = 0.5;
  return spec;
}

rnnopt::RandomModelSpec dnc_spec(int d, int workers) {
  rnnopt::RandomModelSpec spec = lstm_spec(d);
  spec.architecture = "dnc";
  spec.dnc = {8, 6, 2};
  spec.parallel_workers = workers;
  return spec;
}

double quadratic(const Eigen::VectorXd& c) { return (c.array() - 0.3).square().sum(); }

// Runs `steps` sequential propose/observe with f on canonical coordinates of box; returns the
// proposals in canonical coordinates.
std::vector<Eigen::VectorXd> run_canonical(RnnOptimizer& opt, int steps, double a = 1.0,
                                           double b = 0.0) {
  std::vector<Eigen::VectorXd> out;
  for (int t = 0; t < steps; ++t) {
    const Eigen::VectorXd x = opt.propose();
    const Eigen::VectorXd c = opt.box().to_canonical(x);
    out.push_back(c);
    opt.observe(x, a * quadratic(c) + b);
  }
  return out;
}

double max_diff(const std::vector<Eigen::VectorXd>& a, const std::vector<Eigen::VectorXd>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, (a[i] - b[i]).cwiseAbs().maxCoeff());
  return m;
}

}  // namespace

TEST_CASE("RnnOptimizer (sequential LSTM) conforms", "[optimizer][rnn][conformance]") {
  const auto model = model_of(lstm_spec(3), 31);
  rnnopt::test::check_conformance([&](const Box& box, std::uint64_t seed) {
    return std::make_unique<RnnOptimizer>(model, box, RnnOptimizerOptions{}, seed);
  });
}

TEST_CASE("RnnOptimizer (parallel DNC, restart policy) conforms", "[optimizer][rnn][conformance]") {
  rnnopt::RandomModelSpec spec = dnc_spec(3, 3);
  spec.horizon = 6;
  const auto model = model_of(spec, 32);
  RnnOptimizerOptions options;
  options.past_horizon = PastHorizonPolicy::kRestart;
  rnnopt::test::check_conformance([&](const Box& box, std::uint64_t seed) {
    return std::make_unique<RnnOptimizer>(model, box, options, seed);
  });
}

TEST_CASE("A failed trial is no longer fed to the constant liar", "[optimizer][rnn][trials]") {
  // Sequential LSTM: pending trials are fed to a copy of the state with the lie. The network is
  // deterministic, so once a trial fails the proposals are those of a run in which it was never
  // asked.
  const auto model = model_of(lstm_spec(2), 41);
  const Box box = Box::canonical(2);
  auto run = [&] {
    auto opt = std::make_unique<RnnOptimizer>(model, box, RnnOptimizerOptions{}, 5);
    for (int t = 0; t < 4; ++t) {
      const rnnopt::Trial trial = opt->ask();
      opt->observe(trial.id, quadratic(trial.x));
    }
    return opt;
  };
  auto control = run();
  const auto control_batch = control->ask_batch(3);
  REQUIRE(control_batch[1].x != control_batch[2].x);

  // [a1, a2, a3]; a2 and a3 fail: the next proposal continues from a1's lie alone, i.e. it is a2.
  auto a = run();
  const auto batch = a->ask_batch(3);
  for (int i = 0; i < 3; ++i) CHECK(batch[i].x == control_batch[i].x);
  a->fail(batch[2].id);
  a->fail(batch[1].id);
  const rnnopt::Trial next = a->ask();
  CHECK(next.id == 5 + 3);
  CHECK(next.x == batch[1].x);
  // Had the failed trials still been fed, the next point would follow a3 (the control's 4th).
  const rnnopt::Trial control_next = control->ask();
  CHECK(control_next.x != next.x);

  // Every pending trial failed: the real state's own query again, as before the batch.
  auto b = run();
  const auto first = b->ask_batch(2);
  b->fail(first[0].id);
  b->fail(first[1].id);
  CHECK(b->ask().x == first[0].x);
  // The network's real state saw no lies and no failures.
  CHECK(b->network_steps() == a->network_steps());
}

TEST_CASE("RnnOptimizer rejects a model, box or options that do not fit", "[optimizer][rnn]") {
  const auto model = model_of(lstm_spec(2), 1);
  const Box box2 = Box::canonical(2);
  CHECK_THROWS_WITH(RnnOptimizer(nullptr, box2),
                    Catch::Contains("RnnOptimizer::RnnOptimizer()") && Catch::Contains("null"));
  CHECK_THROWS_WITH(RnnOptimizer(model, Box::canonical(3)),
                    Catch::Contains("3 dims") && Catch::Contains("supports d in {2}"));
  RnnOptimizerOptions bad;
  bad.restart_shrink = 1.0;
  CHECK_THROWS_WITH(RnnOptimizer(model, box2, bad), Catch::Contains("restart_shrink"));
  bad = {};
  bad.horizon = -1;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("RnnOptimizerOptions::validate()") &&
                                        Catch::Contains("horizon"));
  bad = {};
  bad.restart_min_width = 0.0;
  CHECK_THROWS_AS(bad.validate(), std::invalid_argument);
}

TEST_CASE("Proposals do not depend on the user box beyond its affine map", "[optimizer][rnn]") {
  for (const auto& spec : {lstm_spec(2), dnc_spec(2, 1)}) {
    const auto model = model_of(spec, 77);
    RnnOptimizer a(model, Box::canonical(2), {}, 3);
    RnnOptimizer b(model, Box{Eigen::Vector2d(-5.0, 100.0), Eigen::Vector2d(10.0, 100.5)}, {}, 3);
    const auto pa = run_canonical(a, 20);
    const auto pb = run_canonical(b, 20);
    CHECK(max_diff(pa, pb) < 1e-9);
    for (const auto& o : b.history()) CHECK(b.box().contains(o.x));
  }
}

TEST_CASE("Running y-normalisation makes proposals invariant to y -> a y + b",
          "[optimizer][rnn][normalisation]") {
  const auto seed = rnnopt::test::seed("y invariance", 8);
  rnnopt::RandomModelSpec spec = lstm_spec(2);
  spec.weight_scale = 0.8;
  const auto model = model_of(spec, seed);
  RnnOptimizer base(model, Box::canonical(2), {}, 1);
  const auto reference = run_canonical(base, 25);
  for (const auto& [a, b] : {std::pair{1000.0, -50.0}, std::pair{3.5, 1e4}, std::pair{1.0, 7.0}}) {
    RnnOptimizer opt(model, Box::canonical(2), {}, 1);
    const auto p = run_canonical(opt, 25, a, b);
    INFO("a = " << a << ", b = " << b);
    CHECK(max_diff(reference, p) < 1e-4);
  }
  // Without normalisation the same change of scale changes the proposals (the test can fail).
  spec.y_normalisation.kind = "none";
  const auto raw = model_of(spec, seed);
  RnnOptimizer r1(raw, Box::canonical(2), {}, 1);
  RnnOptimizer r2(raw, Box::canonical(2), {}, 1);
  CHECK(max_diff(run_canonical(r1, 25), run_canonical(r2, 25, 1000.0, -50.0)) > 1e-3);
}

TEST_CASE("Warm-start observations are fed to the network", "[optimizer][rnn]") {
  const auto model = model_of(lstm_spec(2), 5);
  RnnOptimizer cold(model, Box::canonical(2), {}, 1);
  RnnOptimizer warm(model, Box::canonical(2), {}, 1);
  warm.observe(Eigen::Vector2d(0.5, -0.5), 1.0);
  warm.observe(Eigen::Vector2d(-0.2, 0.1), 0.3);
  CHECK(warm.network_steps() == 3);  // the first step, then one per observation
  CHECK((cold.propose() - warm.propose()).norm() > 1e-6);
}

TEST_CASE("A sequential model proposes batches by a constant liar on a copy of its state",
          "[optimizer][rnn][batch]") {
  const auto model = model_of(lstm_spec(2), 12);
  RnnOptimizer opt(model, Box::canonical(2), {}, 1);
  const Eigen::Vector2d warm(0.1, 0.2);
  opt.observe(warm, 2.0);
  const auto batch = opt.propose_batch(3);
  CHECK(opt.network_steps() == 2);  // the real state saw only the real observation

  rnnopt::internal::Session s(model->network(), model->manifest(), 2);
  s.start();
  double c[2] = {0.1, 0.2};
  s.feed_observation(c, 2.0);
  for (int i = 0; i < 3; ++i) {
    double q[2];
    REQUIRE(s.query(q));
    CHECK(std::abs(batch[i][0] - q[0]) < 1e-12);
    CHECK(std::abs(batch[i][1] - q[1]) < 1e-12);
    s.feed_observation(q, 2.0);  // the lie: the best value observed so far
  }
  // A further proposal with the batch pending lies about all three.
  const Eigen::VectorXd extra = opt.propose();
  double q[2];
  REQUIRE(s.query(q));
  CHECK(std::abs(extra[0] - q[0]) < 1e-12);
  // Results in another order are fed as they come.
  opt.observe(batch[2], 1.0);
  opt.observe(batch[0], 3.0);
  CHECK(opt.network_steps() == 4);
}

TEST_CASE("A parallel model follows the paper's scheme", "[optimizer][rnn][parallel]") {
  const int workers = 3;
  const auto model = model_of(dnc_spec(2, workers), 44);
  CHECK(std::find(model->manifest().input_features.begin(), model->manifest().input_features.end(),
                  "flag") != model->manifest().input_features.end());
  RnnOptimizer opt(model, Box::canonical(2), {}, 1);
  const auto first = opt.propose_batch(2);
  CHECK(opt.network_steps() == workers);  // N dummy steps at the start
  const Eigen::VectorXd third = opt.propose();
  const Eigen::VectorXd fourth = opt.propose();  // more than N in flight: one more dummy step
  CHECK(opt.network_steps() == workers + 1);

  rnnopt::internal::Session s(model->network(), model->manifest(), 2);
  double q[2];
  std::vector<Eigen::Vector2d> expected;
  s.start();
  REQUIRE(s.query(q));
  expected.emplace_back(q[0], q[1]);
  for (int i = 0; i < workers; ++i) {
    s.feed_dummy();
    REQUIRE(s.query(q));
    expected.emplace_back(q[0], q[1]);
  }
  CHECK((first[0] - expected[0]).norm() < 1e-12);
  CHECK((first[1] - expected[1]).norm() < 1e-12);
  CHECK((third - expected[2]).norm() < 1e-12);
  CHECK((fourth - expected[3]).norm() < 1e-12);

  // Completion order differs from proposal order: the second result comes first.
  opt.observe(first[1], 0.7);
  CHECK(opt.network_steps() == workers + 2);
  double c[2] = {first[1][0], first[1][1]};
  s.feed_observation(c, 0.7);
  REQUIRE(s.query(q));
  const Eigen::VectorXd next = opt.propose();
  CHECK((next - Eigen::Vector2d(q[0], q[1])).norm() < 1e-12);
}

TEST_CASE("Past the horizon: continue keeps stepping, restart zooms in around the incumbent",
          "[optimizer][rnn][horizon]") {
  rnnopt::RandomModelSpec spec = lstm_spec(2);
  spec.horizon = 6;
  const auto model = model_of(spec, 61);
  const Box box{Eigen::Vector2d(0.0, -4.0), Eigen::Vector2d(8.0, 4.0)};

  RnnOptimizerOptions continue_options;
  continue_options.past_horizon = PastHorizonPolicy::kContinue;
  RnnOptimizer cont(model, box, continue_options, 2);
  const auto pc = run_canonical(cont, 20);
  CHECK(cont.network_steps() == 21);  // the first step, then one per observation
  CHECK(cont.restart_count() == 0);

  RnnOptimizerOptions options;
  options.past_horizon = PastHorizonPolicy::kRestart;
  RnnOptimizer zoom(model, box, options, 2);
  std::vector<Eigen::VectorXd> pz;
  int restarts_seen = 0;
  for (int t = 0; t < 20; ++t) {
    const Eigen::VectorXd x = zoom.propose();
    const Box z = zoom.zoom_box();
    CHECK(z.contains(x));
    CHECK(zoom.network_steps() <= spec.horizon);
    if (zoom.restart_count() > restarts_seen) {
      restarts_seen = zoom.restart_count();
      // The zoom box has width shrink^k of the user box and holds the incumbent.
      const double w = std::pow(options.restart_shrink, restarts_seen);
      CHECK((z.upper - z.lower).isApprox(w * (box.upper - box.lower), 1e-12));
      CHECK(z.contains(zoom.best()->x));
      CHECK(box.contains(z.lower));
      CHECK(box.contains(z.upper));
    }
    const Eigen::VectorXd c = box.to_canonical(x);
    pz.push_back(c);
    zoom.observe(x, quadratic(c));
  }
  CHECK(zoom.restart_count() >= 3);
  // Within the first segment both policies propose the same points.
  for (int t = 0; t < spec.horizon; ++t) CHECK((pc[t] - pz[t]).norm() < 1e-12);
  CHECK((pc[spec.horizon] - pz[spec.horizon]).norm() > 1e-9);
}

TEST_CASE("segment_steps restarts within the horizon, every N network steps",
          "[optimizer][rnn][horizon]") {
  rnnopt::RandomModelSpec spec = lstm_spec(2);
  spec.horizon = 40;
  const auto model = model_of(spec, 62);
  const Box box{Eigen::Vector2d(-1.0, -1.0), Eigen::Vector2d(1.0, 1.0)};
  RnnOptimizerOptions whole;  // kRestart, segments of the model's horizon
  RnnOptimizerOptions short_segments;
  short_segments.segment_steps = 5;
  short_segments.restart_shrink = 0.6;
  RnnOptimizer a(model, box, whole, 4);
  RnnOptimizer b(model, box, short_segments, 4);
  const auto pa = run_canonical(a, 12);
  std::vector<Eigen::VectorXd> pb;
  for (int t = 0; t < 12; ++t) {
    const Eigen::VectorXd x = b.propose();
    CHECK(b.network_steps() <= 5);
    CHECK(b.zoom_box().contains(x));
    pb.push_back(box.to_canonical(x));
    b.observe(x, quadratic(pb.back()));
  }
  CHECK(a.restart_count() == 0);
  // Steps 1-5, then each restart feeds the incumbent (step 1) and takes 4 more observations:
  // restarts before proposals 6 and 10.
  CHECK(b.restart_count() == 2);
  CHECK((b.zoom_box().upper - b.zoom_box().lower)
            .isApprox(0.6 * 0.6 * (box.upper - box.lower), 1e-12));
  for (int t = 0; t < 5; ++t) CHECK((pa[t] - pb[t]).norm() < 1e-12);
  CHECK((pa[5] - pb[5]).norm() > 1e-9);

  RnnOptimizerOptions bad;
  bad.segment_steps = -1;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("segment_steps must be >= 0"));
}

TEST_CASE("Non-finite network output falls back to seeded random in-box points",
          "[optimizer][rnn][fallback]") {
  rnnopt::ModelFile file = rnnopt::make_random_model_file(lstm_spec(2), 3);
  file.tensors.at("lstm.0.w_ih").data[0] = NAN;
  const auto model = rnnopt::make_model(file, "nan", {.verify_golden_trace = false});
  const Box box{Eigen::Vector2d(1.0, 1.0), Eigen::Vector2d(2.0, 5.0)};
  auto run = [&](std::uint64_t seed) {
    RnnOptimizer opt(model, box, {}, seed);
    std::vector<Eigen::VectorXd> xs;
    for (int t = 0; t < 10; ++t) {
      Eigen::VectorXd x = opt.propose();
      REQUIRE(box.contains(x));
      xs.push_back(x);
      opt.observe(x, x.sum());
    }
    for (const auto& x : opt.propose_batch(3)) REQUIRE(box.contains(x));
    CHECK(opt.fallback_count() == 13);
    return xs;
  };
  const auto a = run(1);
  const auto b = run(1);
  const auto c = run(2);
  CHECK(max_diff(a, b) == 0.0);
  CHECK(max_diff(a, c) > 0.0);
}

TEST_CASE("A restored optimizer proposes exactly what the original would",
          "[optimizer][rnn][state]") {
  rnnopt::ModelFile nan_file = rnnopt::make_random_model_file(lstm_spec(3), 3);
  nan_file.tensors.at("head.b").data[1] = NAN;
  rnnopt::RandomModelSpec short_dnc = dnc_spec(3, 3);
  short_dnc.horizon = 5;
  struct Case {
    std::string name;
    std::shared_ptr<const rnnopt::Model> model;
    PastHorizonPolicy policy;
  };
  const std::vector<Case> cases{
      {"lstm", model_of(lstm_spec(3), 7), PastHorizonPolicy::kContinue},
      {"dnc parallel restart", model_of(short_dnc, 8), PastHorizonPolicy::kRestart},
      {"nan fallback", rnnopt::make_model(nan_file, "nan", {.verify_golden_trace = false}),
       PastHorizonPolicy::kContinue},
  };
  const Box box{Eigen::Vector3d(-1.0, 0.0, 10.0), Eigen::Vector3d(1.0, 2.0, 20.0)};
  auto f = [&](const Eigen::VectorXd& x) { return quadratic(box.to_canonical(x)); };
  for (const Case& c : cases) {
    INFO(c.name);
    RnnOptimizerOptions options;
    options.past_horizon = c.policy;
    RnnOptimizer a(c.model, box, options, 11);
    for (int t = 0; t < 7; ++t) {
      const Eigen::VectorXd x = a.propose();
      a.observe(x, f(x));
    }
    const auto batch = a.propose_batch(3);
    a.observe(batch[1], f(batch[1]));
    const std::string saved = a.save_state();

    RnnOptimizer b(c.model, box, options, 999);
    b.restore_state(saved);
    CHECK(b.save_state() == saved);
    CHECK(b.history().size() == a.history().size());
    CHECK(b.pending().size() == 2);
    for (RnnOptimizer* o : {&a, &b}) {
      o->observe(batch[2], f(batch[2]));
      o->observe(batch[0], f(batch[0]));
    }
    for (int t = 0; t < 12; ++t) {
      const Eigen::VectorXd xa = a.propose();
      const Eigen::VectorXd xb = b.propose();
      REQUIRE(xa == xb);
      a.observe(xa, f(xa));
      b.observe(xb, f(xb));
    }
    const auto ba = a.propose_batch(4);
    const auto bb = b.propose_batch(4);
    for (int i = 0; i < 4; ++i) CHECK(ba[i] == bb[i]);
    CHECK(a.fallback_count() == b.fallback_count());
    CHECK(a.restart_count() == b.restart_count());
    CHECK(a.best()->y == b.best()->y);
  }
}

TEST_CASE("restore_state rejects malformed or foreign states and changes nothing",
          "[optimizer][rnn][state]") {
  const auto model2 = model_of(lstm_spec(2), 7);
  rnnopt::RandomModelSpec both = lstm_spec(3);
  both.dims = {2, 3};
  const auto model3 = model_of(both, 7);
  RnnOptimizer a(model2, Box::canonical(2), {}, 1);
  a.observe(Eigen::Vector2d(0.0, 0.0), 1.0);
  RnnOptimizer other(model3, Box::canonical(2), {}, 1);
  CHECK_THROWS_WITH(
      other.restore_state(a.save_state()),
      Catch::Contains("RnnOptimizer::restore_state()") && Catch::Contains("another model"));
  CHECK(other.history().empty());
  CHECK_THROWS_WITH(a.restore_state("garbage"), Catch::Contains("restore_state()"));
  std::string truncated = a.save_state();
  truncated.resize(truncated.size() / 2);
  CHECK_THROWS_AS(a.restore_state(truncated), std::invalid_argument);
  // A corrupt count fails on the entries that are not there (nothing is allocated for the count).
  std::string inflated = a.save_state();
  const auto at = inflated.find("history\n1 ");
  REQUIRE(at != std::string::npos);
  inflated.replace(at, 10, "history\n99999999 ");
  CHECK_THROWS_WITH(a.restore_state(inflated), Catch::Contains("malformed saved state"));
  CHECK(a.history().size() == 1);
}

TEST_CASE("One model serves optimizers on several threads", "[optimizer][rnn][threads]") {
  const auto model = model_of(dnc_spec(2, 1), 19);
  auto run = [&](std::uint64_t seed) {
    RnnOptimizer opt(model, Box::canonical(2), {}, seed);
    return run_canonical(opt, 30, 1.0, static_cast<double>(seed));
  };
  const auto expected0 = run(0);
  const auto expected1 = run(1);
  std::vector<Eigen::VectorXd> got0, got1;
  std::thread t0([&] { got0 = run(0); });
  std::thread t1([&] { got1 = run(1); });
  t0.join();
  t1.join();
  CHECK(max_diff(expected0, got0) == 0.0);
  CHECK(max_diff(expected1, got1) == 0.0);
}

TEST_CASE("sin_best moves from the incumbent, which best_x tracks (earliest on ties)",
          "[optimizer][rnn]") {
  // With near-zero weights the raw output o is ~0, so the query is the incumbent itself.
  rnnopt::RandomModelSpec spec = lstm_spec(2);
  spec.input_features = {"x", "y", "best_y", "best_x"};
  spec.output_map = "sin_best";
  spec.weight_scale = 1e-12;
  const auto model = model_of(spec, 3);
  const Box box{Eigen::Vector2d(0.0, 10.0), Eigen::Vector2d(4.0, 20.0)};
  RnnOptimizer opt(model, box, {}, 1);
  // Before any observation best_x = 0: the box's centre.
  CHECK((opt.propose() - Eigen::Vector2d(2.0, 15.0)).norm() < 1e-6);
  const Eigen::Vector2d a(1.0, 12.0), b(3.0, 18.0), c(0.5, 19.0);
  opt.observe(a, 5.0);
  CHECK((opt.propose() - a).norm() < 1e-6);
  opt.observe(b, -1.0);
  CHECK((opt.propose() - b).norm() < 1e-6);
  opt.observe(c, -1.0);  // a tie: the earlier incumbent stays
  CHECK((opt.propose() - b).norm() < 1e-6);
  // save/restore keeps the incumbent's position.
  RnnOptimizer copy(model, box, {}, 1);
  copy.restore_state(opt.save_state());
  CHECK((copy.propose() - b).norm() < 1e-6);
}
